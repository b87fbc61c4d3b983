import { spawn, type ChildProcess } from "node:child_process";
import { elapse, udpPortBound, waitFor } from "../../common/test-support/waiting";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MsmlEvent } from "../../protocol/msml";
import { encodePcmu } from "../../protocol/rtp";
import type { UserAgentCore } from "../../sip-core";
import type { MediaEnginePool } from "../../server/sip/media/media-engine-pool";
import {
  engineController,
  enginePort,
  joinedCall,
  recordLeg,
  spawnMediaEngine,
  spawnService,
  type SpawnedProcess,
} from "../test-support/engine-harness";
import { tonesByParticipant, tone } from "../../recorder/test-support/audio-analysis";
import { talk, type UdpPhone } from "../rtp/test-support/udp-phone";
import { sippArgs } from "../../server/test-support/sipp";

const ME_SIP = 5936;
const LAB_SIP = 5938;
const LAB_RTP = [46300, 46399] as const;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-srtp-recording-"));
const recordings = path.join(dir, "recordings");
const capture = path.join(dir, "to-recorder.pcapng");

const children: SpawnedProcess[] = [];
const phones: UdpPhone[] = [];
let events: MsmlEvent[] = [];
let ua: UserAgentCore;
let pool: MediaEnginePool;
let tshark: ChildProcess | undefined;

const event = (dialogId: string, name: string) =>
  events.find((e) => e.id === dialogId && e.name === `forkline.recording.${name}`);
const field = (e: MsmlEvent | undefined, name: string) => e?.fields.find((f) => f.name === name)?.value;

beforeAll(async () => {
  children.push(await spawnMediaEngine({ sip: ME_SIP, http: 5937, rtpMin: 46200, rtpMax: 46299 }));
  children.push(
    await spawnService(
      "recorder/main.ts",
      {
        RECORDER_SIP_PORT: String(LAB_SIP),
        RECORDER_HTTP_PORT: "5939",
        RECORDER_RTP_PORT_MIN: String(LAB_RTP[0]),
        RECORDER_RTP_PORT_MAX: String(LAB_RTP[1]),
        RECORDINGS_DIR: recordings,
      },
      "recorder ready",
    ),
  );
  ({ ua, pool, events } = await engineController(ME_SIP));
}, 60_000);

afterAll(async () => {
  tshark?.kill("SIGKILL");
  for (const phone of phones) phone.close();
  await ua?.close();
  await Promise.all(children.map((child) => child.stop()));
  fs.rmSync(dir, { recursive: true, force: true });
});

/** tshark on loopback, UDP to the lab recorder's RTP/RTCP ports, until stopCapture(). */
async function startCapture(): Promise<void> {
  const child = spawn(
    "tshark",
    ["-i", "lo", "-f", `udp dst portrange ${LAB_RTP[0]}-${LAB_RTP[1]}`, "-w", capture],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  tshark = child;
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  await waitFor(() => stderr.includes("Capturing on"), 10_000, "tshark to capture");
}

async function stopCapture(): Promise<Buffer[]> {
  const child = tshark!;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGINT");
  await exited;
  tshark = undefined;
  const out = await new Promise<string>((resolve, reject) => {
    const reader = spawn("tshark", ["-r", capture, "-T", "fields", "-e", "udp.payload"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    let text = "";
    reader.stdout!.on("data", (chunk: Buffer) => (text += chunk.toString()));
    reader.once("error", reject);
    reader.once("exit", () => resolve(text));
  });
  return out
    .split("\n")
    .map((line) => line.trim().replace(/:/g, ""))
    .filter((line) => line !== "")
    .map((hex) => Buffer.from(hex, "hex"));
}

describe("SRTP recording streams (encryption required) to the lab recorder", () => {
  it("the WAV has each party's tone, the recorder acknowledged by SRTCP, and tshark sees no plain RTP to it", async () => {
    const { a, b, legA, legB } = await joinedCall(pool, phones, "srtp");
    await startCapture();
    const stopA = talk(a, enginePort(legA), { hz: 440, codec: "PCMU", ssrc: 0xaaaa });
    const stopB = talk(b, enginePort(legB), { hz: 1000, codec: "PCMU", ssrc: 0xbbbb });
    let dialogId: string;
    try {
      dialogId = await recordLeg(
        pool,
        legA,
        {
          dest: [`sip:srs@127.0.0.1:${LAB_SIP}`],
          attemptTimeoutMs: 2000,
          recordingId: "srtp-rec-1",
          encryption: "required",
        },
        legB,
      );
      await waitFor(() => event(dialogId, "started") !== undefined, 5000, "started");
      await elapse(2500, "a few RTCP intervals: the recorder's SRTCP receiver reports come back");
      await pool.msml(legA, [{ kind: "dialogend", id: dialogId }]);
      await waitFor(() => event(dialogId, "stopped") !== undefined, 5000, "stopped");
    } finally {
      stopA();
      stopB();
    }
    const stopped = event(dialogId, "stopped");
    const sent = Number(field(stopped, "sent"));
    const acked = Number(field(stopped, "acked"));
    expect(sent).toBeGreaterThan(150);
    // The engine counted acknowledgements: it opened the recorder's SRTCP receiver reports.
    expect(acked).toBeGreaterThan(sent / 2);

    expect(tonesByParticipant(recordings, "srtp-rec-1", [440, 1000])).toEqual({
      "sip:1001@forkline": 440,
      "sip:+15551230001@pstn": 1000,
    });

    // On the wire to the recorder: every RTP-looking datagram is SRTP (12-byte header, 160 bytes
    // of ciphertext, a 10-byte HMAC-SHA1-80 tag), and none holds a run of the phones' plaintext.
    const datagrams = await stopCapture();
    const rtp = datagrams.filter((d) => d.length >= 12 && d[0]! >> 6 === 2 && (d[1]! & 0x7f) < 64);
    const rtcp = datagrams.filter((d) => d.length >= 8 && d[0]! >> 6 === 2 && d[1]! >= 200 && d[1]! <= 204);
    expect(rtp.length).toBeGreaterThan(150);
    for (const packet of rtp) expect(packet.length).toBe(12 + 160 + 10);
    const plaintexts = [
      ...Array.from({ length: 5 }, (_, n) => encodePcmu(tone(440, 160, n * 160))),
      encodePcmu(tone(1000, 160, 0)),
    ];
    for (const packet of rtp)
      for (const plain of plaintexts) expect(packet.includes(plain.subarray(40, 72))).toBe(false);
    // The engine's sender reports are SRTCP: E flag and index after the RTCP, then the tag.
    expect(rtcp.length).toBeGreaterThan(0);
    for (const packet of rtcp) expect(packet.readUInt32BE(packet.length - 14) >>> 31).toBe(1);

    await pool.closeLeg(legA);
    await pool.closeLeg(legB);
  }, 60_000);

  it('required: a recorder answering plain RTP/AVP is skipped ("recorder refused SRTP") and the next one records', async () => {
    const sippPort = 5940;
    const sipp = spawn(
      "sipp",
      sippArgs({
        scenario: path.join(import.meta.dirname, "__scenarios__/siprec-recorder-uas.xml"),
        port: sippPort,
        mediaPort: 46400,
        timeout: "20s",
        autoAnswer: true,
      }),
      { stdio: "ignore" },
    );
    try {
      await waitFor(() => udpPortBound(sippPort), 10_000, "SIPp to listen");
      const { a, legA, legB } = await joinedCall(pool, phones, "srtp-refused");
      const stopA = talk(a, enginePort(legA), { hz: 440, codec: "PCMU", ssrc: 0xaaab });
      try {
        const dialogId = await recordLeg(pool, legA, {
          // SIPp answers every offer RTP/AVP: plain, which "required" refuses.
          dest: [`sip:srs@127.0.0.1:${sippPort}`, `sip:srs@127.0.0.1:${LAB_SIP}`],
          attemptTimeoutMs: 2000,
          recordingId: "srtp-rec-2",
          encryption: "required",
        });
        await waitFor(() => event(dialogId, "started") !== undefined, 8000, "started");
        const skipped = event(dialogId, "skipped");
        expect(field(skipped, "recorder")).toBe(`sip:srs@127.0.0.1:${sippPort}`);
        expect(field(skipped, "reason")).toBe("recorder refused SRTP");
        expect(field(event(dialogId, "started"), "recorder")).toBe(`sip:srs@127.0.0.1:${LAB_SIP}`);
        await pool.msml(legA, [{ kind: "dialogend", id: dialogId }]);
        await waitFor(() => event(dialogId, "stopped") !== undefined, 5000, "stopped");
      } finally {
        stopA();
      }
      await pool.closeLeg(legA);
      await pool.closeLeg(legB);
    } finally {
      sipp.kill("SIGKILL");
    }
  }, 60_000);
});
