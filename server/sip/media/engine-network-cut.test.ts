import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parseSdp } from "../../../protocol/sdp";
import { UdpTransport, UserAgentCore } from "../../../sip-core";
import {
  pcmuOffer,
  spawnMediaEngine,
  spawnService,
  type SpawnedProcess,
} from "../../../media-engine/test-support/engine-harness";
import { g711Packet, UdpPhone } from "../../../media-engine/rtp/test-support/udp-phone";
import { type EngineLoss, MediaEnginePool, type MediaLegHandle } from "./media-engine-pool";

// Two hosts in one test (issue 14 §5): a media engine in its own network namespace, reached over
// a veth pair, and the SIP Server's pool (this process) on the other end. Cutting the engine's
// link is what a dead switch or a frozen VM does: no ICMP, no new boot id, no answer at all. Only
// the silence tells, and the heartbeat makes it 1.5 s. New calls go to the engine that answers.
const tag = process.pid % 100_000;
const NS = `fl-media-${tag}`;
const HOST_SIDE = `flr${tag}`;
const ENGINE_SIDE = `flm${tag}`;
const NET = `10.77.${tag % 250}`;
const SERVER_IP = `${NET}.1`;
const ENGINE_IP = `${NET}.2`;
const REMOTE = `sip:${ENGINE_IP}:5070`;
const LOCAL = { sip: 6141, http: 6142, rtpMin: 49500, rtpMax: 49599 };

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: "pipe" });
const inNs = (...args: string[]) => ip("netns", "exec", NS, ...args);
const engines: SpawnedProcess[] = [];
const phones: UdpPhone[] = [];
let ua: UserAgentCore;
let pool: MediaEnginePool;
const losses: { loss: EngineLoss; at: number }[] = [];

beforeAll(async () => {
  ip("netns", "add", NS);
  ip("link", "add", HOST_SIDE, "type", "veth", "peer", "name", ENGINE_SIDE);
  ip("link", "set", ENGINE_SIDE, "netns", NS);
  ip("addr", "add", `${SERVER_IP}/24`, "dev", HOST_SIDE);
  ip("link", "set", HOST_SIDE, "up");
  inNs("ip", "addr", "add", `${ENGINE_IP}/24`, "dev", ENGINE_SIDE);
  inNs("ip", "link", "set", ENGINE_SIDE, "up");
  inNs("ip", "link", "set", "lo", "up");
  engines.push(
    await spawnService(
      "media-engine/main.ts",
      {
        MEDIA_ENGINE_HOST: ENGINE_IP,
        PUBLIC_IP: ENGINE_IP,
        MEDIA_ENGINE_SIP_PORT: "5070",
        MEDIA_ENGINE_HTTP_PORT: "5071",
        RTP_PORT_MIN: "20000",
        RTP_PORT_MAX: "20099",
        RTP_INACTIVITY_TIMEOUT_S: "0",
        MEDIA_ENGINE_ALLOWED_SOURCES: SERVER_IP,
      },
      "media-engine ready",
      ["ip", "netns", "exec", NS],
    ),
  );
  engines.push(await spawnMediaEngine(LOCAL));
  ua = new UserAgentCore({ delegate: { handlers: {}, onError: () => undefined } });
  await ua.addTransport(new UdpTransport({ host: "0.0.0.0", port: 0, advertisedHost: SERVER_IP }));
  pool = new MediaEnginePool(ua, [REMOTE, `sip:127.0.0.1:${LOCAL.sip}`], {
    from: `<sip:forkline@${SERVER_IP}>`,
    contact: `<sip:forkline@${SERVER_IP}>`,
  });
  pool.onEngineLost((loss) => losses.push({ loss, at: Date.now() }));
  await pool.checkAll();
  pool.start();
}, 60_000);

afterAll(async () => {
  pool?.stop();
  for (const phone of phones) phone.close();
  await ua?.close();
  await Promise.all(engines.map((engine) => engine.stop()));
  // Deleting the namespace removes the engine's end of the pair, and with it the pair.
  try {
    ip("netns", "del", NS);
  } catch {
    // never created
  }
  try {
    ip("link", "del", HOST_SIDE);
  } catch {
    // gone with the namespace
  }
});

describe("a media host whose network is cut (network namespaces, a veth pair)", () => {
  it("ends the calls it held within 2 s, and new calls go to the engine that answers", async () => {
    await vi.waitFor(() => expect(pool.heartbeatSilence(REMOTE)).toBeLessThan(150), { timeout: 5_000 });
    // A call on the remote engine: two parties on the server's side of the link, relayed there.
    const a = await UdpPhone.open(0, SERVER_IP);
    const b = await UdpPhone.open(0, SERVER_IP);
    phones.push(a, b);
    const legA: MediaLegHandle = await pool.openLeg(pcmuOffer(a.port, SERVER_IP), { callId: "cut-a" });
    const legB = await pool.openLeg(pcmuOffer(b.port, SERVER_IP), { callId: "cut-a", beside: legA });
    expect([legA.engineUri, legB.engineUri]).toEqual([REMOTE, REMOTE]);
    await pool.join(legA, legB);
    const portA = parseSdp(legA.answer).media[0]!.port;
    for (let seq = 0; seq < 5; seq++) await a.send(g711Packet(0xa, seq), portA, ENGINE_IP);
    await vi.waitFor(() => expect(b.received.length).toBe(5), { timeout: 3_000 });

    const cutAt = Date.now();
    inNs("ip", "link", "set", ENGINE_SIDE, "down");
    await vi.waitFor(() => expect(losses).toHaveLength(1), { timeout: 5_000, interval: 25 });
    const { loss, at } = losses[0]!;
    expect(loss).toMatchObject({ uri: REMOTE, cause: "unanswered" });
    expect(loss.detail).toMatch(/no heartbeat and no keep-alive answer/);
    // The last pong came at most 100 ms before the cut; 1.5 s of silence is the rule.
    expect(at - cutAt).toBeGreaterThanOrEqual(1_350);
    expect(at - cutAt).toBeLessThanOrEqual(2_000);

    const next = await pool.openLeg(pcmuOffer(49650), { callId: "after-cut" });
    expect(next.engineUri).toBe(`sip:127.0.0.1:${LOCAL.sip}`);
    await pool.closeLeg(next);
  });
});
