import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MsmlEvent } from "../../protocol/msml";
import type { UserAgentCore } from "../../sip-core";
import type { MediaEnginePool } from "../../server/sip/media/media-engine-pool";
import { waitFor } from "../../common/test-support/waiting";
import { loadMediaEngineEnv } from "../env";
import { EnginePortPool } from "../rtp";
import { talk, UdpPhone } from "../rtp/test-support/udp-phone";
import {
  engineController,
  enginePort,
  recordLeg,
  spawnMediaEngine,
  spawnService,
  type SpawnedProcess,
} from "../test-support/engine-harness";
import { engineMetrics } from "../test-support/engine-probe";

const ME_SIP = 37040;
const ME_HTTP = 37041;
const LAB_SIP = 37043;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-muxed-ports-"));

const children: SpawnedProcess[] = [];
const phones: UdpPhone[] = [];
let events: MsmlEvent[] = [];
let ua: UserAgentCore;
let pool: MediaEnginePool;

beforeAll(async () => {
  children.push(await spawnMediaEngine({ sip: ME_SIP, http: ME_HTTP, rtpMin: 37100, rtpMax: 37199 }));
  children.push(
    await spawnService(
      "recorder/main.ts",
      {
        RECORDER_SIP_PORT: String(LAB_SIP),
        RECORDER_HTTP_PORT: "37044",
        RECORDER_RTP_PORT_MIN: "37200",
        RECORDER_RTP_PORT_MAX: "37299",
        RECORDINGS_DIR: path.join(dir, "recordings"),
      },
      "recorder ready",
    ),
  );
  ({ ua, pool, events } = await engineController(ME_SIP));
}, 60_000);

afterAll(async () => {
  for (const phone of phones) phone.close();
  await ua?.close();
  await Promise.all(children.map((child) => child.stop()));
  fs.rmSync(dir, { recursive: true, force: true });
});

const portsInUse = async () =>
  Number(/^forkline_media_rtp_ports_in_use (\d+)$/m.exec(await engineMetrics(ME_HTTP))?.[1]);

/** A phone's G.711 offer with a=rtcp-mux (RFC 5761 §5.1.1), as WebRTC gateways and most SBCs send. */
function muxedOffer(port: number): Buffer {
  return Buffer.from(
    [
      "v=0",
      "o=p 1 1 IN IP4 127.0.0.1",
      "s=-",
      "c=IN IP4 127.0.0.1",
      "t=0 0",
      `m=audio ${port} RTP/AVP 0`,
      "a=rtpmap:0 PCMU/8000",
      "a=rtcp-mux",
      "",
    ].join("\r\n"),
  );
}

const field = (event: MsmlEvent | undefined, name: string) =>
  Number(event?.fields.find((f) => f.name === name)?.value);

describe("a recorded call between phones that multiplex RTCP (issue 16 §3)", () => {
  it("holds 4 RTP ports, relays and records, and the default range holds 2,000 such calls", async () => {
    const a = await UdpPhone.open();
    const b = await UdpPhone.open();
    phones.push(a, b);
    const legA = await pool.openLeg(muxedOffer(a.port), { callId: "muxed" });
    const legB = await pool.openLeg(muxedOffer(b.port), { callId: "muxed" });
    await pool.join(legA, legB);
    expect(await portsInUse()).toBe(2);
    const stopA = talk(a, enginePort(legA), { hz: 440, codec: "PCMU", ssrc: 0xaaaa });
    const stopB = talk(b, enginePort(legB), { hz: 1000, codec: "PCMU", ssrc: 0xbbbb });
    let dialogId: string;
    let perCall: number;
    try {
      dialogId = await recordLeg(pool, legA, { dest: [`sip:srs@127.0.0.1:${LAB_SIP}`] }, legB);
      await waitFor(
        () => events.some((e) => e.id === dialogId && e.name === "forkline.recording.started"),
        5000,
        "recording started",
      );
      // Two legs of one port each, two send-only recording streams the lab recorder multiplexes.
      perCall = await portsInUse();
      expect(perCall).toBe(4);
      // The lab recorder's receiver reports come back on the recording streams' RTP ports.
      await waitFor(() => a.received.length > 50 && b.received.length > 50, 5000, "both parties heard");
    } finally {
      stopA();
      stopB();
    }
    await pool.msml(legA, [{ kind: "dialogend", id: dialogId }]);
    await waitFor(
      () => events.some((e) => e.id === dialogId && e.name === "forkline.recording.stopped"),
      5000,
      "recording stopped",
    );
    const stopped = events.find((e) => e.id === dialogId && e.name === "forkline.recording.stopped");
    expect(field(stopped, "sent")).toBeGreaterThan(50);
    // Acknowledged by the recorder's RTCP, received on the multiplexed port.
    expect(field(stopped, "acked")).toBeGreaterThan(0);
    await pool.closeLeg(legA);
    await pool.closeLeg(legB);
    await expect.poll(portsInUse).toBe(0);

    // The default range, as an engine without RTP_PORT_MIN/MAX has it (the pool only counts here).
    const env = loadMediaEngineEnv({});
    const range = new EnginePortPool(env.RTP_PORT_MIN, env.RTP_PORT_MAX);
    // While a call is set up its recording streams hold an RTCP port each until the recorder's
    // answer says it multiplexes: the last call needs 2 ports more for that instant.
    const calls = Math.floor((range.capacity - range.webRtcFloor - 2) / perCall);
    expect(calls).toBeGreaterThanOrEqual(2000);
  }, 30_000);
});
