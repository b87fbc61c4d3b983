import { execFileSync } from "node:child_process";
import dgram, { type Socket } from "node:dgram";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { INTERRUPTED_END_REASON } from "./recording-sidecar";
import { type RecorderProcess, spawnRecorder } from "./test-support/recorder-process";
import { readSidecar, wavDurationMs } from "./test-support/recording-files";
import { twoPartyMetadata } from "./test-support/siprec-fixtures";
import { bindUdp, closeUdp, rtpPacket, type SrcRecording, TestSrc } from "./test-support/siprec-src";

// Ports of this file: SIP 5710, HTTP 5711, SRC SIP 5712, recorder RTP 43040–43059, SRC RTP 43120.
const SIP = 5710;
const HTTP = 5711;
const SRC_SIP = 5712;
const BASE = `http://127.0.0.1:${HTTP}`;

const TOKEN = "recorder-process-test-token";
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-recorder-process-"));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function recorder(dir: string): Promise<RecorderProcess> {
  const process = await spawnRecorder({
    RECORDER_SIP_PORT: String(SIP),
    RECORDER_HTTP_PORT: String(HTTP),
    RECORDER_RTP_PORT_MIN: "43040",
    RECORDER_RTP_PORT_MAX: "43059",
    RECORDINGS_DIR: dir,
    RECORDER_HTTP_TOKEN: TOKEN,
  });
  cleanups.push(async () => {
    if (process.child.exitCode === null && process.child.signalCode === null) {
      process.child.kill("SIGKILL");
      await process.exited;
    }
  });
  return process;
}

async function src(): Promise<{ src: TestSrc; rtp: Socket }> {
  const src = await TestSrc.start(SRC_SIP);
  cleanups.push(() => src.close());
  const rtp = await bindUdp(43120);
  cleanups.push(() => closeUdp(rtp));
  return { src, rtp };
}

const STREAMS = [
  { label: "1", port: 43120, payloadType: 0, encoding: "PCMU" },
  { label: "2", port: 43122, payloadType: 0, encoding: "PCMU" },
];

/** Sends RTP to stream 0 in real time (a packet every 20 ms) until the returned function is called. */
function talk(rtp: Socket, recording: SrcRecording): () => void {
  let seq = 0;
  const timer = setInterval(() => {
    rtp.send(rtpPacket(seq, seq * 160, 0x7777), recording.ports[0]!, "127.0.0.1");
    seq++;
  }, 20);
  cleanups.push(() => clearInterval(timer));
  return () => clearInterval(timer);
}

interface Listed {
  id: string;
  state: string;
  download: string;
  metadata: { state?: string; durationMs?: number; endReason?: string };
}

async function listing(): Promise<Listed[]> {
  const response = await fetch(`${BASE}/recordings`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return (await response.json()) as Listed[];
}

function soxiSeconds(file: string): number {
  return Number(execFileSync("soxi", ["-D", file], { encoding: "utf8" }).trim());
}

describe("recorder/main.ts as a process", () => {
  it(
    "after kill -9, leaves a playable WAV, and its next start finalizes it as interrupted",
    { timeout: 40_000 },
    async () => {
      const dir = tempDir();
      const first = await recorder(dir);
      const { src: sipSrc, rtp } = await src();
      const recording = await sipSrc.record(SIP, STREAMS, twoPartyMetadata(["1", "2"], "crashed"));
      const startedAt = performance.now();
      const stop = talk(rtp, recording);

      // While it records, the listing says so and the WAV header keeps up with the file.
      expect((await listing()).map((r) => [r.id, r.state])).toEqual([["crashed", "recording"]]);
      await vi.waitFor(() => expect(wavDurationMs(dir, "crashed")).toBeGreaterThan(2_000), {
        timeout: 10_000,
        interval: 100,
      });
      first.child.kill("SIGKILL");
      const killedAfterMs = performance.now() - startedAt;
      expect(await first.exited).toBe("SIGKILL");
      stop();

      // What the crash left: a WAV that plays to within about a second of the crash.
      const wavFile = path.join(dir, "crashed.wav");
      const leftMs = wavDurationMs(dir, "crashed");
      expect(leftMs).toBeGreaterThan(killedAfterMs - 1_000);
      expect(Math.abs(soxiSeconds(wavFile) * 1000 - leftMs)).toBeLessThan(1);
      expect(readSidecar(dir, "crashed")).toMatchObject({ state: "recording", endReason: null });

      await recorder(dir);
      const sidecar = readSidecar(dir, "crashed");
      expect(sidecar).toMatchObject({
        state: "interrupted",
        endReason: INTERRUPTED_END_REASON,
        recordingId: "crashed",
        segment: 1,
      });
      const durationMs = sidecar.durationMs as number;
      expect(Math.abs(durationMs - killedAfterMs)).toBeLessThan(1_000);
      expect(Math.abs(durationMs - wavDurationMs(dir, "crashed"))).toBeLessThanOrEqual(1);
      expect(Date.parse(sidecar.endedAt as string) - Date.parse(sidecar.startedAt as string)).toBe(
        durationMs,
      );
      const listed = await listing();
      expect(listed.map((r) => [r.id, r.state, r.metadata.durationMs])).toEqual([
        ["crashed", "interrupted", durationMs],
      ]);
      const download = await fetch(`${BASE}${listed[0]!.download}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(Buffer.from(await download.arrayBuffer()).equals(fs.readFileSync(wavFile))).toBe(true);
    },
  );

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`finalizes open recordings on ${signal} and says BYE`, { timeout: 20_000 }, async () => {
      const dir = tempDir();
      const process = await recorder(dir);
      const { src: sipSrc, rtp } = await src();
      const recording = await sipSrc.record(SIP, STREAMS, twoPartyMetadata(["1", "2"], "stopped"));
      const stop = talk(rtp, recording);
      await vi.waitFor(() => expect(wavDurationMs(dir, "stopped")).toBeGreaterThan(300), { interval: 50 });
      process.child.kill(signal);
      expect(await process.exited).toBe(0);
      stop();
      expect(readSidecar(dir, "stopped")).toMatchObject({ state: "finished", endReason: "shutdown" });
      // The WAV covers the session; packets placed by timestamp may run a little past its end.
      const durationMs = readSidecar(dir, "stopped").durationMs as number;
      expect(wavDurationMs(dir, "stopped")).toBeGreaterThanOrEqual(durationMs - 1);
      expect(wavDurationMs(dir, "stopped")).toBeLessThan(durationMs + 200);
      expect(sipSrc.byes).toEqual([recording.invite.headers.get("Call-ID")]);
    });
  }

  it(
    "contains a recording's failure, keeps serving, and counts it at /metrics",
    { timeout: 20_000 },
    async () => {
      const dir = tempDir();
      await recorder(dir);
      const { src: sipSrc } = await src();
      const broken = await sipSrc.record(SIP, STREAMS, twoPartyMetadata(["1", "2"], "broken"));
      // A directory where the final JSON's temporary file must go: writing the sidecar fails.
      fs.mkdirSync(path.join(dir, "broken.json.tmp"));
      expect(await broken.bye()).toBe(200);
      const metrics = async () => (await fetch(`${BASE}/metrics`)).text();
      await vi.waitFor(async () =>
        expect(await metrics()).toContain('forkline_contained_errors_total{where="recording_finalize"} 1'),
      );
      expect(await metrics()).toContain("# TYPE forkline_contained_errors_total counter");
      // The next recording is unaffected.
      const next = await sipSrc.record(SIP, STREAMS, twoPartyMetadata(["1", "2"], "next"));
      expect(await next.bye()).toBe(200);
      expect(readSidecar(dir, "next")).toMatchObject({ state: "finished", endReason: "bye" });
    },
  );
});

describe("who may start a recording", () => {
  it(
    "takes SIPREC requests outside a dialog only from RECORDER_ALLOWED_SOURCES: 403 to others",
    { timeout: 20_000 },
    async () => {
      await recorder(tempDir());
      const ask = async (host: string): Promise<string> => {
        const socket = dgram.createSocket("udp4");
        cleanups.push(() => void socket.close());
        await new Promise<void>((resolve) => socket.bind(0, host, resolve));
        const port = socket.address().port;
        const answer = new Promise<string>((resolve) =>
          socket.once("message", (m) => resolve(m.toString("latin1"))),
        );
        const options = [
          `OPTIONS sip:recorder@127.0.0.1:${SIP} SIP/2.0`,
          `Via: SIP/2.0/UDP ${host}:${port};branch=z9hG4bK-gate-${port}`,
          "Max-Forwards: 70",
          `From: <sip:stranger@${host}>;tag=g${port}`,
          `To: <sip:recorder@127.0.0.1>`,
          `Call-ID: gate-${port}@${host}`,
          "CSeq: 1 OPTIONS",
          "Content-Length: 0",
          "",
          "",
        ].join("\r\n");
        socket.send(options, SIP, "127.0.0.1");
        return (await answer).split("\r\n")[0]!;
      };
      // 127.0.0.2 is this host too (all of 127/8 is loopback), but not an allowed source.
      expect(await ask("127.0.0.2")).toBe("SIP/2.0 403 Forbidden");
      expect(await ask("127.0.0.1")).toBe("SIP/2.0 200 OK");
    },
  );
});
