import { describe, expect, it } from "vitest";
import { detectDtmf } from "./in-band-dtmf-detector";

const KEYS: Record<string, [number, number]> = {
  "1": [697, 1209],
  "2": [697, 1336],
  "3": [697, 1477],
  A: [697, 1633],
  "4": [770, 1209],
  "5": [770, 1336],
  "6": [770, 1477],
  B: [770, 1633],
  "7": [852, 1209],
  "8": [852, 1336],
  "9": [852, 1477],
  C: [852, 1633],
  "*": [941, 1209],
  "0": [941, 1336],
  "#": [941, 1477],
  D: [941, 1633],
};

/** A 0 dBm0 sine in G.711's 16-bit linear scale peaks near 22,400. */
const dbm0 = (level: number) => 22_400 * 10 ** (level / 20);

function tones(parts: [frequency: number, amplitude: number][], count = 160, start = 0): Int16Array {
  const out = new Int16Array(count);
  for (let i = 0; i < count; i++) {
    let v = 0;
    for (const [f, a] of parts) v += a * Math.sin((2 * Math.PI * f * (start + i)) / 8000);
    out[i] = Math.max(-32768, Math.min(32767, Math.round(v)));
  }
  return out;
}

describe("detectDtmf (ITU-T Q.23 pairs, Q.24-style acceptance)", () => {
  it.each(Object.entries(KEYS))("finds %s at -10 dBm0 per tone", (key, [low, high]) => {
    expect(
      detectDtmf(
        tones([
          [low, dbm0(-10)],
          [high, dbm0(-10)],
        ]),
      ),
    ).toBe(key);
  });

  it("finds weak tones (-30 dBm0), twisted pairs (6 dB), and pairs under quiet noise", () => {
    expect(
      detectDtmf(
        tones([
          [770, dbm0(-30)],
          [1336, dbm0(-30)],
        ]),
      ),
    ).toBe("5");
    expect(
      detectDtmf(
        tones([
          [852, dbm0(-10)],
          [1477, dbm0(-16)],
        ]),
      ),
    ).toBe("9");
    const noisy = tones([
      [941, dbm0(-12)],
      [1336, dbm0(-12)],
    ]);
    let seed = 7;
    for (let i = 0; i < noisy.length; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      noisy[i] = noisy[i]! + ((seed % 600) - 300);
    }
    expect(detectDtmf(noisy)).toBe("0");
  });

  it("ignores silence, single tones, very weak pairs, speech-like chords and a heavily twisted pair", () => {
    expect(detectDtmf(new Int16Array(160))).toBeUndefined();
    expect(detectDtmf(tones([[1000, dbm0(-10)]]))).toBeUndefined();
    expect(detectDtmf(tones([[440, dbm0(-10)]]))).toBeUndefined();
    expect(
      detectDtmf(
        tones([
          [697, dbm0(-50)],
          [1209, dbm0(-50)],
        ]),
      ),
    ).toBeUndefined();
    // A vowel-like spectrum: a 140 Hz voice with harmonics through the band.
    const harmonics = Array.from({ length: 20 }, (_, k): [number, number] => [140 * (k + 1), dbm0(-14 - k)]);
    expect(detectDtmf(tones(harmonics))).toBeUndefined();
    expect(
      detectDtmf(
        tones([
          [697, dbm0(-6)],
          [1209, dbm0(-24)],
        ]),
      ),
    ).toBeUndefined();
    // Two row tones at once are no key.
    expect(
      detectDtmf(
        tones([
          [697, dbm0(-10)],
          [770, dbm0(-10)],
          [1209, dbm0(-10)],
        ]),
      ),
    ).toBeUndefined();
  });
});
