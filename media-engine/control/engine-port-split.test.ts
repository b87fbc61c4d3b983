import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAttribute, parseSdp } from "../../protocol/sdp";
import type { SipResponse } from "../../protocol/sip";
import { spawnMediaEngine, type SpawnedProcess } from "../test-support/engine-harness";
import { engineMetrics } from "../test-support/engine-probe";
import { LegClient, type ClientLeg } from "../test-support/leg-client";
import { BrowserPeer } from "../webrtc/test-support/browser-peer";

const ENGINE_SIP = 37020;
const ENGINE_HTTP = 37021;
const CLIENT_SIP = 37022;
/** Ten ports: the engine keeps the last 2 for browsers (1 % of the range, at least 2). */
const RTP = { min: 37030, max: 37039 };

let engine: SpawnedProcess;
let client: LegClient;
const peers: BrowserPeer[] = [];

beforeAll(async () => {
  engine = await spawnMediaEngine({ sip: ENGINE_SIP, http: ENGINE_HTTP, rtpMin: RTP.min, rtpMax: RTP.max });
  client = await LegClient.start(CLIENT_SIP, ENGINE_SIP);
}, 60_000);

afterAll(async () => {
  await Promise.all(peers.map((peer) => peer.pc.close()));
  await client?.close();
  await engine?.stop();
});

const portsInUse = async () =>
  Number(/^forkline_media_rtp_ports_in_use (\d+)$/m.exec(await engineMetrics(ENGINE_HTTP))?.[1]);
const portsInAll = async () =>
  Number(/^forkline_media_rtp_ports (\d+)$/m.exec(await engineMetrics(ENGINE_HTTP))?.[1]);

/** A plain G.711 leg; `mux`: the phone offers a=rtcp-mux. */
function plainOffer(mux: boolean): Buffer {
  return Buffer.from(
    [
      "v=0",
      "o=p 1 1 IN IP4 127.0.0.1",
      "s=-",
      "c=IN IP4 127.0.0.1",
      "t=0 0",
      "m=audio 9 RTP/AVP 0",
      "a=rtpmap:0 PCMU/8000",
      ...(mux ? ["a=rtcp-mux"] : []),
      "",
    ].join("\r\n"),
  );
}

/** A browser's offer (werift standing in for Chrome: ICE, DTLS-SRTP, rtcp-mux). */
async function browserOffer(): Promise<Buffer> {
  const peer = BrowserPeer.create();
  peers.push(peer);
  return Buffer.from(await peer.createOffer());
}

const refused = (result: ClientLeg | SipResponse): SipResponse => {
  if ("dialog" in result)
    throw new Error(`expected a refusal, the engine answered ${result.response.status}`);
  return result;
};

describe("legs whose phone offers a=rtcp-mux (RFC 5761)", () => {
  it("are answered a=rtcp-mux and hold one port; a re-offer without it is answered a=rtcp on that port", async () => {
    const leg = await client.open({ offer: plainOffer(true) });
    const answer = parseSdp(leg.response.body).media[0]!;
    expect(getAttribute(answer.attributes, "rtcp-mux")).toBe("");
    expect(await portsInUse()).toBe(1);
    const reanswer = await client.reinvite(leg, plainOffer(false));
    expect(reanswer.status).toBe(200);
    const media = parseSdp(reanswer.body).media[0]!;
    expect(getAttribute(media.attributes, "rtcp-mux")).toBeUndefined();
    // RFC 3605: RTCP goes to the port named, the RTP port, where the leg reads it.
    expect(getAttribute(media.attributes, "rtcp")).toBe(String(answer.port));
    expect(media.port).toBe(answer.port);
    expect(await portsInUse()).toBe(1);
    const plain = await client.open({ offer: plainOffer(false) });
    expect(getAttribute(parseSdp(plain.response.body).media[0]!.attributes, "rtcp-mux")).toBeUndefined();
    expect(await portsInUse()).toBe(3);
    await client.bye(leg);
    await client.bye(plain);
    await expect.poll(portsInUse).toBe(0);
  });
});

describe("one RTP range for plain legs and browsers, a floor kept for browsers (issue 16 §3)", () => {
  it("runs out both ways with a 503 that says which", async () => {
    expect(await portsInAll()).toBe(10);
    // Plain RTP fills the range up to the browsers' floor: 4 legs with their own RTCP port.
    const plain: ClientLeg[] = [];
    for (let i = 0; i < 4; i++) plain.push(await client.open({ offer: plainOffer(false) }));
    expect(await portsInUse()).toBe(8);
    for (const mux of [false, true]) {
      const response = refused(await client.invite({ offer: plainOffer(mux) }));
      expect(response.status).toBe(503);
      expect(response.reason).toBe("No RTP ports left (8 of 10 in use, the last 2 kept for WebRTC legs)");
      expect(response.headers.get("Retry-After")).toBe("5");
    }
    // Browsers may take the floor.
    const browsers: ClientLeg[] = [];
    for (let i = 0; i < 2; i++) browsers.push(await client.open({ offer: await browserOffer() }));
    expect(await portsInUse()).toBe(10);
    // werift bound the ports the pool kept for them: the answers' host candidates are the floor.
    const candidatePorts = browsers.map((leg) =>
      Number(
        /^a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 (\d+) typ host/m.exec(leg.response.body.toString())?.[1],
      ),
    );
    for (const port of candidatePorts) expect(port).toBeGreaterThanOrEqual(RTP.min);
    for (const port of candidatePorts) expect(port).toBeLessThanOrEqual(RTP.max);
    expect(new Set(candidatePorts).size).toBe(2);
    const noBrowser = refused(await client.invite({ offer: await browserOffer() }));
    expect(noBrowser.status).toBe(503);
    expect(noBrowser.reason).toBe("No RTP ports left for a WebRTC leg (all 10 in use)");

    // The other way: browsers are not held to a share and may take what plain RTP gave back.
    for (const leg of plain) await client.bye(leg);
    await expect.poll(portsInUse).toBe(2);
    for (let i = 0; i < 8; i++) browsers.push(await client.open({ offer: await browserOffer() }));
    expect(await portsInUse()).toBe(10);
    const noPlain = refused(await client.invite({ offer: plainOffer(true) }));
    expect(noPlain.status).toBe(503);
    expect(noPlain.reason).toBe("No RTP ports left (10 of 10 in use, the last 2 kept for WebRTC legs)");

    // Ports come back: a browser leg that ends frees its port, and plain RTP may take it as long
    // as the floor stays free.
    for (const leg of browsers.splice(0, 4)) await client.bye(leg);
    await expect.poll(portsInUse).toBe(6);
    const muxed = [
      await client.open({ offer: plainOffer(true) }),
      await client.open({ offer: plainOffer(true) }),
    ];
    expect(await portsInUse()).toBe(8);
    expect(refused(await client.invite({ offer: plainOffer(true) })).status).toBe(503);
    for (const leg of [...muxed, ...browsers]) await client.bye(leg);
    await expect.poll(portsInUse).toBe(0);
  }, 60_000);
});
