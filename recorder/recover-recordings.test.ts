import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { INTERRUPTED_END_REASON } from "./recording-sidecar";
import { recoverRecordings } from "./recover-recordings";
import { readSidecar, wavDurationMs } from "./test-support/recording-files";
import { wavHeader } from "./wav-writer";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A WAV as a crash leaves it: the header still says 0 bytes of data, `bytes` of samples follow. */
function crashedWav(file: string, channels: number, bytes: number): void {
  fs.writeFileSync(
    file,
    Buffer.concat([wavHeader({ channels, sampleRate: 8000 }, 0), Buffer.alloc(bytes, 1)]),
  );
}

describe("recoverRecordings", () => {
  it("finalizes recordings left mid-way and WAVs without a sidecar, and leaves finished ones alone", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-recover-"));
    dirs.push(dir);
    // 1.5 s of two channels plus half a frame cut by the crash.
    crashedWav(path.join(dir, "live.wav"), 2, 8000 * 4 * 1.5 + 2);
    const live = {
      state: "recording",
      recordingId: "live",
      startedAt: "2026-01-01T10:00:00.000Z",
      endedAt: null,
      endReason: null,
      durationMs: 200,
      channels: 2,
      sampleRate: 8000,
      pauses: [{ startMs: 1000, endMs: null }],
    };
    fs.writeFileSync(path.join(dir, "live.json"), JSON.stringify(live));
    fs.writeFileSync(path.join(dir, "live.json.tmp"), "{ half");
    crashedWav(path.join(dir, "orphan.wav"), 1, 8000 * 2);
    crashedWav(path.join(dir, "done.wav"), 1, 800);
    const done = JSON.stringify({ state: "finished", endReason: "bye", durationMs: 50 });
    fs.writeFileSync(path.join(dir, "done.json"), done);

    const { recovered, problems } = recoverRecordings(dir, () => Date.parse("2026-01-01T11:00:00Z"));
    expect(problems).toEqual([]);
    expect(recovered).toEqual([
      { name: "live", durationMs: 1500, hadSidecar: true },
      { name: "orphan", durationMs: 1000, hadSidecar: false },
    ]);
    expect(wavDurationMs(dir, "live")).toBe(1500);
    expect(wavDurationMs(dir, "orphan")).toBe(1000);
    expect(readSidecar(dir, "live")).toEqual({
      ...live,
      state: "interrupted",
      endReason: INTERRUPTED_END_REASON,
      durationMs: 1500,
      endedAt: "2026-01-01T10:00:01.500Z",
      pauses: [{ startMs: 1000, endMs: 1500 }],
      recoveredAt: "2026-01-01T11:00:00.000Z",
    });
    expect(readSidecar(dir, "orphan")).toMatchObject({
      state: "interrupted",
      endReason: INTERRUPTED_END_REASON,
      durationMs: 1000,
      channels: 1,
      wavFile: "orphan.wav",
    });
    expect(fs.readFileSync(path.join(dir, "done.json"), "utf8")).toBe(done);
    expect(fs.existsSync(path.join(dir, "live.json.tmp"))).toBe(false);
  });
});
