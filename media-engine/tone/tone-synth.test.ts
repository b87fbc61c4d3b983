import { describe, expect, it } from "vitest";
import { decodePcma, decodePcmu } from "../../protocol/rtp";
import { goertzel } from "../../recorder/test-support/audio-analysis";
import { TONE_AMPLITUDE, ToneSynth } from "./tone-synth";

function decode(encoding: "PCMU" | "PCMA", frames: Buffer[]): Int16Array {
  const out = new Int16Array(frames.reduce((n, f) => n + f.length, 0));
  let offset = 0;
  for (const frame of frames) offset += (encoding === "PCMU" ? decodePcmu : decodePcma)(frame, out, offset);
  return out;
}

describe("ToneSynth", () => {
  for (const encoding of ["PCMU", "PCMA"] as const) {
    it(`synthesises 1400 Hz in ${encoding}: Goertzel finds the energy there, not beside it`, () => {
      const synth = new ToneSynth(1400, encoding);
      const samples = decode(encoding, [synth.frame(), synth.frame()]);
      const at = goertzel(samples, 1400, 8000);
      for (const other of [440, 1000, 1200, 1600, 2000]) {
        expect(at).toBeGreaterThan(100 * goertzel(samples, other, 8000));
      }
      const peak = Math.max(...samples.map((s) => Math.abs(s)));
      expect(peak).toBeGreaterThan(TONE_AMPLITUDE * 0.9);
      expect(peak).toBeLessThan(TONE_AMPLITUDE * 1.1);
    });
  }

  // 1400 Hz is 7 cycles every 40 samples, so every 20 ms frame starts at phase 0 anyway: 1234 Hz
  // (no whole number of cycles in a frame) is what shows the phase carried across frames.
  it("joins 20 ms frames without a break: frame after frame is one sine", () => {
    const framed = new ToneSynth(1234, "PCMU");
    const frames = [framed.frame(), framed.frame(160), framed.frame(80), framed.frame(240)];
    const whole = new ToneSynth(1234, "PCMU").frame(640);
    expect(Buffer.concat(frames).equals(whole)).toBe(true);
    expect(framed.position).toBe(640);
    // No click at a frame boundary: a 1400 Hz sine at this level moves at most
    // 2π·1234/8000·amplitude per sample (plus G.711 quantisation).
    const samples = decode("PCMU", frames);
    const maxStep = ((2 * Math.PI * 1234) / 8000) * TONE_AMPLITUDE * 1.1;
    for (let i = 1; i < samples.length; i++) {
      expect(Math.abs(samples[i]! - samples[i - 1]!)).toBeLessThan(maxStep);
    }
  });

  it("differs from a synth that restarts every frame (the continuity above is not trivial)", () => {
    const restarted = Buffer.concat([
      new ToneSynth(1234, "PCMU").frame(),
      new ToneSynth(1234, "PCMU").frame(),
    ]);
    expect(restarted.equals(new ToneSynth(1234, "PCMU").frame(320))).toBe(false);
  });
});
