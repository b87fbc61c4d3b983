import type { Socket } from "node:dgram";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { listRecordings } from "./list-recordings";
import { SiprecRecorder, type SiprecRecorderOptions } from "./siprec-recorder";
import { twoPartyMetadata } from "./test-support/siprec-fixtures";
import { readSidecar, wavDurationMs } from "./test-support/recording-files";
import { bindUdp, closeUdp, rtpPacket, type SrcRecording, TestSrc } from "./test-support/siprec-src";

// Ports of this file: SIP 5702–5703, recorder RTP 43020–43039, SRC RTP 43110.
const RECORDER_SIP = 5702;
const SRC_SIP = 5703;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: Partial<SiprecRecorderOptions> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-exit-"));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const recorder = await SiprecRecorder.start({
    sipHost: "127.0.0.1",
    sipPort: RECORDER_SIP,
    tcp: false,
    rtpPortMin: 43020,
    rtpPortMax: 43039,
    recordingsDir: dir,
    tickMs: 50,
    ...options,
  });
  cleanups.push(() => recorder.close().then(() => undefined));
  const src = await TestSrc.start(SRC_SIP);
  cleanups.push(() => src.close());
  const rtp = await bindUdp(43110);
  cleanups.push(() => closeUdp(rtp));
  return { dir, recorder, src, rtp };
}

const STREAMS = [
  { label: "1", port: 43110, payloadType: 0, encoding: "PCMU" },
  { label: "2", port: 43112, payloadType: 0, encoding: "PCMU" },
];

/** Sends `count` packets to stream 0, one every 20 ms of RTP time, as fast as the socket takes them. */
function sendPackets(rtp: Socket, recording: SrcRecording, count: number): void {
  for (let i = 0; i < count; i++) rtp.send(rtpPacket(i, i * 160, 0x5151), recording.ports[0]!, "127.0.0.1");
}

/** While it records: a sidecar that says so, listed with that state. */
async function expectRecording(dir: string, name: string): Promise<void> {
  expect(readSidecar(dir, name)).toMatchObject({ state: "recording", endReason: null, recordingId: name });
  expect((await listRecordings(dir)).map((r) => [r.id, r.state])).toEqual([[name, "recording"]]);
}

/**
 * After it ended: a WAV whose header matches its length, and a final sidecar that agrees. The WAV
 * covers the whole session, and runs past its end by no more than the audio sent (`sentMs`, which
 * is placed by RTP timestamp from the first packet's arrival on).
 */
async function expectFinished(dir: string, name: string, endReason: string, sentMs = 0): Promise<void> {
  const sidecar = readSidecar(dir, name);
  expect(sidecar).toMatchObject({ state: "finished", endReason });
  const durationMs = sidecar.durationMs as number;
  const wavMs = wavDurationMs(dir, name);
  expect(wavMs).toBeGreaterThanOrEqual(durationMs - 1);
  expect(wavMs).toBeLessThanOrEqual(durationMs + sentMs + 1);
  expect((await listRecordings(dir)).map((r) => [r.id, r.state])).toEqual([[name, "finished"]]);
  expect(fs.readdirSync(dir).sort()).toEqual([`${name}.json`, `${name}.wav`]);
}

describe("every way a recording ends leaves a finished WAV and JSON", () => {
  it("BYE from the SRC", { timeout: 10_000 }, async () => {
    const { dir, recorder, src, rtp } = await setup();
    const recording = await src.record(RECORDER_SIP, STREAMS, twoPartyMetadata(["1", "2"], "by-bye"));
    await expectRecording(dir, "by-bye");
    sendPackets(rtp, recording, 10);
    expect(await recording.bye()).toBe(200);
    expect(recorder.activeRecordings).toBe(0);
    await expectFinished(dir, "by-bye", "bye", 200);
  });

  it("no RTP for the timeout", { timeout: 10_000 }, async () => {
    const { dir, recorder, src } = await setup({ rtpTimeoutMs: 300 });
    await src.record(RECORDER_SIP, STREAMS, twoPartyMetadata(["1", "2"], "by-timeout"));
    await expectRecording(dir, "by-timeout");
    await vi.waitFor(() => expect(recorder.activeRecordings).toBe(0), { timeout: 3_000 });
    await expectFinished(dir, "by-timeout", "rtp-timeout");
  });

  it("no ACK for the 200", { timeout: 10_000 }, async () => {
    // T1 = 10 ms: the 200 is given up after 64*T1 = 640 ms instead of 32 s.
    const { dir, recorder, src } = await setup({ sipTimers: { T1: 10 } });
    await src.record(RECORDER_SIP, STREAMS, twoPartyMetadata(["1", "2"], "by-no-ack"), { ack: false });
    await expectRecording(dir, "by-no-ack");
    await vi.waitFor(() => expect(recorder.activeRecordings).toBe(0), { timeout: 3_000 });
    await expectFinished(dir, "by-no-ack", "ack-timeout");
  });

  it("close() of the recorder", { timeout: 10_000 }, async () => {
    const { dir, recorder, src, rtp } = await setup();
    const recording = await src.record(RECORDER_SIP, STREAMS, twoPartyMetadata(["1", "2"], "by-close"));
    sendPackets(rtp, recording, 10);
    await expectRecording(dir, "by-close");
    const summaries = await recorder.close();
    expect(summaries.map((s) => [s.recordingId, s.state, s.endReason])).toEqual([
      ["by-close", "finished", "shutdown"],
    ]);
    await expectFinished(dir, "by-close", "shutdown", 200);
  });
});
