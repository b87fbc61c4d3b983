import { describe, expect, it } from "vitest";
import {
  aLawDecode,
  aLawEncode,
  decodePcma,
  decodePcmu,
  encodePcma,
  encodePcmu,
  muLawDecode,
  muLawEncode,
} from "./g711";

describe("G.711 code points", () => {
  it("μ-law known values", () => {
    expect(muLawDecode(0xff)).toBe(0);
    expect(muLawDecode(0x7f)).toBe(0);
    expect(muLawDecode(0x00)).toBe(-32124);
    expect(muLawDecode(0x80)).toBe(32124);
    expect(muLawEncode(0)).toBe(0xff);
    expect(muLawEncode(32767)).toBe(0x80);
    expect(muLawEncode(-32768)).toBe(0x00);
  });

  it("A-law known values", () => {
    expect(aLawDecode(0xd5)).toBe(8);
    expect(aLawDecode(0x55)).toBe(-8);
    expect(aLawDecode(0xaa)).toBe(32256);
    expect(aLawDecode(0x2a)).toBe(-32256);
    expect(aLawEncode(0)).toBe(0xd5);
    expect(aLawEncode(32767)).toBe(0xaa);
    expect(aLawEncode(-32768)).toBe(0x2a);
  });

  it("encoding a decoded code point gives the same code point (every one of 256)", () => {
    for (let code = 0; code < 256; code++) {
      expect(aLawEncode(aLawDecode(code)), `A-law 0x${code.toString(16)}`).toBe(code);
      // μ-law has two zeros (0x7f and 0xff); both encode back to 0xff.
      const mu = muLawEncode(muLawDecode(code));
      expect(mu === code || (code === 0x7f && mu === 0xff), `μ-law 0x${code.toString(16)}`).toBe(true);
    }
  });

  it("is monotonic: a louder sample never encodes to a quieter level", () => {
    let previousMu = -Infinity;
    let previousA = -Infinity;
    for (let s = -32768; s <= 32767; s += 7) {
      const mu = muLawDecode(muLawEncode(s));
      const a = aLawDecode(aLawEncode(s));
      expect(mu).toBeGreaterThanOrEqual(previousMu);
      expect(a).toBeGreaterThanOrEqual(previousA);
      previousMu = mu;
      previousA = a;
    }
  });
});

describe("G.711 payloads", () => {
  const sine = Int16Array.from({ length: 8000 }, (_, i) =>
    Math.round(16000 * Math.sin((2 * Math.PI * 1000 * i) / 8000)),
  );
  const snr = (decoded: Int16Array) => {
    let signal = 0;
    let noise = 0;
    for (let i = 0; i < sine.length; i++) {
      signal += sine[i]! ** 2;
      noise += (sine[i]! - decoded[i]!) ** 2;
    }
    return 10 * Math.log10(signal / noise);
  };

  it("a 1 kHz tone survives PCMU and PCMA with more than 30 dB SNR", () => {
    const mu = new Int16Array(sine.length);
    expect(decodePcmu(encodePcmu(sine), mu)).toBe(8000);
    expect(snr(mu)).toBeGreaterThan(30);
    const a = new Int16Array(sine.length);
    expect(decodePcma(encodePcma(sine), a)).toBe(8000);
    expect(snr(a)).toBeGreaterThan(30);
  });

  it("decodes into a larger buffer at an offset and never past its end", () => {
    const out = new Int16Array(5);
    expect(decodePcma(Buffer.from([0xd5, 0xd5, 0xd5, 0xd5]), out, 3)).toBe(2);
    expect(Array.from(out)).toEqual([0, 0, 0, 8, 8]);
  });
});
