import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ChannelTimeline } from "./channel-timeline";
import { readWav } from "./test-support/audio-analysis";
import { WAV_HEADER_BYTES, WavFileWriter, wavHeader } from "./wav-writer";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tempFile(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-wav-"));
  dirs.push(dir);
  return path.join(dir, name);
}

describe("wavHeader", () => {
  it("describes 8 kHz 16-bit PCM with RIFF and data sizes", () => {
    const header = wavHeader({ channels: 2, sampleRate: 8000 }, 32_000);
    expect(header.length).toBe(WAV_HEADER_BYTES);
    expect(header.toString("ascii", 0, 4)).toBe("RIFF");
    expect(header.readUInt32LE(4)).toBe(36 + 32_000);
    expect(header.toString("ascii", 8, 16)).toBe("WAVEfmt ");
    expect(header.readUInt32LE(16)).toBe(16);
    expect(header.readUInt16LE(20)).toBe(1);
    expect(header.readUInt16LE(22)).toBe(2);
    expect(header.readUInt32LE(24)).toBe(8000);
    expect(header.readUInt32LE(28)).toBe(32_000); // byte rate
    expect(header.readUInt16LE(32)).toBe(4); // block align
    expect(header.readUInt16LE(34)).toBe(16);
    expect(header.toString("ascii", 36, 40)).toBe("data");
    expect(header.readUInt32LE(40)).toBe(32_000);
  });
});

describe("WavFileWriter", () => {
  it("keeps the RIFF sizes right after every append and after close", () => {
    const file = tempFile("a.wav");
    const writer = WavFileWriter.create(file, { channels: 2, sampleRate: 8000 });
    expect(readWav(file).dataSize).toBe(0);
    writer.writeFrames(Int16Array.from([1, -1, 2, -2]));
    expect(readWav(file)).toMatchObject({ dataSize: 8, riffSize: 44 });
    writer.writeFrames(Int16Array.from([3, -3]));
    writer.close();
    const wav = readWav(file);
    expect(fs.statSync(file).size).toBe(44 + 12);
    expect(wav).toMatchObject({
      channels: 2,
      sampleRate: 8000,
      bitsPerSample: 16,
      dataSize: 12,
      riffSize: 48,
    });
    expect([...wav.samples[0]!]).toEqual([1, 2, 3]);
    expect([...wav.samples[1]!]).toEqual([-1, -2, -3]);
    expect(writer.framesWritten).toBe(3);
  });

  it("refuses a partial frame and an existing file", () => {
    const file = tempFile("b.wav");
    const writer = WavFileWriter.create(file, { channels: 2, sampleRate: 8000 });
    expect(() => writer.writeFrames(Int16Array.from([1, 2, 3]))).toThrow(/whole number/);
    writer.close();
    expect(() => WavFileWriter.create(file, { channels: 1, sampleRate: 8000 })).toThrow(/EEXIST/);
  });
});

describe("ChannelTimeline", () => {
  function collect(channels: number) {
    const out: number[] = [];
    const timeline = new ChannelTimeline({
      channels,
      sink: (frames) => out.push(...frames),
      maxAheadFrames: 1000,
    });
    return { timeline, out };
  }

  it("interleaves channels and fills what nobody placed with silence", () => {
    const { timeline, out } = collect(2);
    timeline.write(0, 0, Int16Array.from([10, 11]));
    timeline.write(1, 3, Int16Array.from([20, 21]));
    timeline.flushTo(6);
    expect(out).toEqual([10, 0, 11, 0, 0, 0, 0, 20, 0, 21, 0, 0]);
    expect(timeline.flushedFrames).toBe(6);
  });

  it("drops what arrives after its frames were written, and what runs too far ahead", () => {
    const { timeline, out } = collect(1);
    timeline.flushTo(4);
    expect(timeline.write(0, 2, Int16Array.from([1, 2, 3, 4]))).toBe(2);
    expect(timeline.write(0, 4 + 1000, Int16Array.from([9]))).toBe(0);
    timeline.flushTo(8);
    expect(out).toEqual([0, 0, 0, 0, 3, 4, 0, 0]);
  });

  it("adds two streams of one channel and clips the sum", () => {
    const { timeline, out } = collect(1);
    timeline.write(0, 0, Int16Array.from([30000, 100]));
    timeline.write(0, 0, Int16Array.from([30000, -50]));
    timeline.flushTo(2);
    expect(out).toEqual([32767, 50]);
  });

  it("writes a long silence in bounded pieces", () => {
    const sizes: number[] = [];
    const timeline = new ChannelTimeline({
      channels: 2,
      sink: (f) => sizes.push(f.length),
      maxAheadFrames: 10,
    });
    timeline.flushTo(20_000);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(40_000);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(16_000);
  });
});
