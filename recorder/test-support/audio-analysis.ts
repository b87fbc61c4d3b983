import fs from "node:fs";
import path from "node:path";

export interface DecodedWav {
  readonly channels: number;
  readonly sampleRate: number;
  readonly bitsPerSample: number;
  readonly riffSize: number;
  readonly dataSize: number;
  /** One array of samples per channel. */
  readonly samples: Int16Array[];
}

/** Reads a canonical 44-byte-header PCM WAV. */
export function readWav(file: string): DecodedWav {
  const bytes = fs.readFileSync(file);
  if (bytes.toString("ascii", 0, 4) !== "RIFF" || bytes.toString("ascii", 8, 12) !== "WAVE")
    throw new Error("not a RIFF/WAVE file");
  const channels = bytes.readUInt16LE(22);
  const dataSize = bytes.readUInt32LE(40);
  const frames = dataSize / (2 * channels);
  const samples = Array.from({ length: channels }, () => new Int16Array(frames));
  for (let f = 0; f < frames; f++)
    for (let c = 0; c < channels; c++) samples[c]![f] = bytes.readInt16LE(44 + (f * channels + c) * 2);
  return {
    channels,
    sampleRate: bytes.readUInt32LE(24),
    bitsPerSample: bytes.readUInt16LE(34),
    riffSize: bytes.readUInt32LE(4),
    dataSize,
    samples,
  };
}

/** Power of `frequency` in `samples` (Goertzel). */
export function goertzel(samples: Int16Array, frequency: number, sampleRate: number): number {
  const coefficient = 2 * Math.cos((2 * Math.PI * frequency) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (const sample of samples) {
    const s0 = sample + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coefficient * s1 * s2;
}

/** Which of `candidates` is strongest in `samples`. */
export function dominantFrequency(
  samples: Int16Array,
  candidates: readonly number[],
  sampleRate: number,
): number {
  let best = candidates[0]!;
  let bestPower = -1;
  for (const f of candidates) {
    const power = goertzel(samples, f, sampleRate);
    if (power > bestPower) {
      best = f;
      bestPower = power;
    }
  }
  return best;
}

export function tone(frequency: number, count: number, startSample: number, amplitude = 8000): Int16Array {
  const out = new Int16Array(count);
  for (let i = 0; i < count; i++)
    out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * frequency * (startSample + i)) / 8000));
  return out;
}

/** Runs of near-silence (|sample| below `threshold`) at least `minLength` long, as [start, end) sample indexes. */
export function silentRuns(samples: Int16Array, minLength: number, threshold = 64): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  for (let i = 0; i <= samples.length; i++) {
    const quiet = i < samples.length && Math.abs(samples[i]!) < threshold;
    if (quiet && start === -1) start = i;
    if (!quiet && start !== -1) {
      if (i - start >= minLength) runs.push([start, i]);
      start = -1;
    }
  }
  return runs;
}

/**
 * One track that is loud wherever any channel is loud: its silent runs are where every channel
 * is silent at once (a pause), not where a single source merely dropped out.
 */
export function loudestOf(channels: readonly Int16Array[]): Int16Array {
  const length = Math.min(...channels.map((c) => c.length));
  const out = new Int16Array(length);
  for (let i = 0; i < length; i++) {
    let loudest = 0;
    for (const c of channels) loudest = Math.max(loudest, Math.min(32767, Math.abs(c[i]!)));
    out[i] = loudest;
  }
  return out;
}

/**
 * The dominant frequency (of `candidates`) on each participant's channel of a recording the lab
 * recorder wrote (`<dir>/<id>.wav` and its JSON), by participant AOR: what a test compares with
 * the tones the parties played. The first and last 100 ms are left out (the tone's edges).
 */
export function tonesByParticipant(
  dir: string,
  recordingId: string,
  candidates: readonly number[],
): Record<string, number> {
  const wav = readWav(path.join(dir, `${recordingId}.wav`));
  const meta = JSON.parse(fs.readFileSync(path.join(dir, `${recordingId}.json`), "utf8")) as {
    participants: { aor: string; channel: number }[];
  };
  const tones: Record<string, number> = {};
  for (const { aor, channel } of meta.participants) {
    const samples = wav.samples[channel]!;
    tones[aor] = dominantFrequency(samples.subarray(800, samples.length - 800), candidates, 8000);
  }
  return tones;
}

/**
 * Where a DTMF key sounds in a recording: each 20 ms window (1 ms steps) of each channel in which
 * a row and a column frequency are both present above -35 dBm0 (amplitude 400), by a plain
 * Goertzel of the test's own — not the engine's detector whose work it checks.
 */
export function dtmfWindows(wav: DecodedWav): string[] {
  const amplitude = (w: Int16Array, hz: number) =>
    (2 * Math.sqrt(goertzel(w, hz, wav.sampleRate))) / w.length;
  const found: string[] = [];
  for (const [channel, samples] of wav.samples.entries())
    for (let at = 0; at + 160 <= samples.length; at += 8) {
      const w = samples.subarray(at, at + 160);
      const row = Math.max(...[697, 770, 852, 941].map((hz) => amplitude(w, hz)));
      const column = Math.max(...[1209, 1336, 1477, 1633].map((hz) => amplitude(w, hz)));
      if (row > 400 && column > 400) found.push(`channel ${channel} at ${at / 8} ms`);
    }
  return found;
}
