import fs from "node:fs";
import { waitFor } from "../../common/test-support/waiting";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MsmlEvent } from "../../protocol/msml";
import type { UserAgentCore } from "../../sip-core";
import { makeTestCertificate, type TestCertificate } from "../../sip-core/test-support/test-certificate";
import type { MediaEnginePool } from "../../server/sip/media/media-engine-pool";
import { readWav, tonesByParticipant } from "../../recorder/test-support/audio-analysis";
import {
  engineController,
  enginePort,
  joinedCall,
  recordLeg,
  spawnMediaEngine,
  spawnService,
  type SpawnedProcess,
} from "../test-support/engine-harness";
import { talk, type UdpPhone } from "../rtp/test-support/udp-phone";

// SIPREC over TLS (issue 15 §1): the media engine reaches `sips:` recorders over TLS and
// verifies their certificates (MEDIA_ENGINE_TLS_CA). One lab recorder presents a certificate the
// engine trusts, another one it does not: the second is skipped with the certificate problem
// named, and the recording goes to the first.
const ME = { sip: 6101, http: 6102, rtpMin: 49000, rtpMax: 49099 };
type RecorderPorts = { sip: number; http: number; tls: number; rtp: readonly [number, number] };
const TRUSTED: RecorderPorts = { sip: 6111, http: 6112, tls: 6113, rtp: [49100, 49199] as const };
const UNTRUSTED: RecorderPorts = { sip: 6121, http: 6122, tls: 6123, rtp: [49200, 49299] as const };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-siprec-tls-"));
const children: SpawnedProcess[] = [];
const phones: UdpPhone[] = [];
let trusted: TestCertificate;
let untrusted: TestCertificate;
let events: MsmlEvent[] = [];
let ua: UserAgentCore;
let pool: MediaEnginePool;

const event = (dialogId: string, name: string) =>
  events.find((e) => e.id === dialogId && e.name === `forkline.recording.${name}`);
const field = (e: MsmlEvent | undefined, name: string) => e?.fields.find((f) => f.name === name)?.value;

function recorder(ports: RecorderPorts, certificate: TestCertificate, name: string) {
  return spawnService(
    "recorder/main.ts",
    {
      RECORDER_SIP_PORT: String(ports.sip),
      RECORDER_HTTP_PORT: String(ports.http),
      RECORDER_TLS_PORT: String(ports.tls),
      RECORDER_TLS_CERT: certificate.certFile,
      RECORDER_TLS_KEY: certificate.keyFile,
      RECORDER_RTP_PORT_MIN: String(ports.rtp[0]),
      RECORDER_RTP_PORT_MAX: String(ports.rtp[1]),
      RECORDINGS_DIR: path.join(dir, name),
    },
    "recorder ready",
  );
}

beforeAll(async () => {
  trusted = makeTestCertificate(["IP:127.0.0.1"]);
  untrusted = makeTestCertificate(["IP:127.0.0.1"]);
  children.push(await spawnMediaEngine(ME, { MEDIA_ENGINE_TLS_CA: trusted.certFile }));
  children.push(await recorder(TRUSTED, trusted, "trusted"));
  children.push(await recorder(UNTRUSTED, untrusted, "untrusted"));
  ({ ua, pool, events } = await engineController(ME.sip));
}, 60_000);

afterAll(async () => {
  for (const phone of phones) phone.close();
  await ua?.close();
  await Promise.all(children.map((child) => child.stop()));
  for (const c of [trusted, untrusted])
    if (c !== undefined) fs.rmSync(c.dir, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("SIPREC over TLS to sips: recorders", () => {
  it("skips a recorder whose certificate does not verify, naming why, and records over TLS on the next", async () => {
    const { a, b, legA, legB } = await joinedCall(pool, phones, "siprec-tls");
    const stopA = talk(a, enginePort(legA), { hz: 440, codec: "PCMU", ssrc: 0x1111 });
    const stopB = talk(b, enginePort(legB), { hz: 1000, codec: "PCMU", ssrc: 0x2222 });
    let dialogId = "";
    try {
      dialogId = await recordLeg(
        pool,
        legA,
        {
          dest: [`sips:srs@127.0.0.1:${UNTRUSTED.tls}`, `sips:srs@127.0.0.1:${TRUSTED.tls}`],
          attemptTimeoutMs: 3000,
          recordingId: "tls-rec-1",
        },
        legB,
      );
      await waitFor(() => event(dialogId, "started") !== undefined, 8000, "started");
      const skipped = event(dialogId, "skipped");
      expect(field(skipped, "recorder")).toBe(`sips:srs@127.0.0.1:${UNTRUSTED.tls}`);
      expect(field(skipped, "reason")).toMatch(/TLS connect failed: self-signed certificate/);
      expect(field(event(dialogId, "started"), "recorder")).toBe(`sips:srs@127.0.0.1:${TRUSTED.tls}`);
      // Audio reaches the WAV over the TLS-signalled session; the stop is a BYE in that dialog.
      await waitFor(
        () => (readWavSafe()?.samples[0]?.length ?? 0) > 8000,
        8000,
        "a second of audio in the WAV",
      );
      await pool.msml(legA, [{ kind: "dialogend", id: dialogId }]);
      await waitFor(() => event(dialogId, "stopped") !== undefined, 8000, "stopped");
    } finally {
      stopA();
      stopB();
    }
    expect(Number(field(event(dialogId, "stopped"), "acked"))).toBeGreaterThan(0);
    expect(tonesByParticipant(path.join(dir, "trusted"), "tls-rec-1", [440, 1000])).toEqual({
      "sip:1001@forkline": 440,
      "sip:+15551230001@pstn": 1000,
    });
    expect(fs.existsSync(path.join(dir, "untrusted", "tls-rec-1.wav"))).toBe(false);
  });
});

function readWavSafe(): ReturnType<typeof readWav> | undefined {
  try {
    return readWav(path.join(dir, "trusted", "tls-rec-1.wav"));
  } catch {
    return undefined;
  }
}
