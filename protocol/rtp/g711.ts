/**
 * ITU-T G.711 companding (PCMU = μ-law, PCMA = A-law) between 8-bit code words and 16-bit
 * linear samples. Decoding uses 256-entry tables built once; encoding follows the reference
 * segment search.
 */

const BIAS = 0x84;
const CLIP = 32635;

export function muLawDecode(code: number): number {
  const u = ~code & 0xff;
  const sign = u & 0x80;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  const magnitude = (((mantissa << 3) + BIAS) << exponent) - BIAS;
  // 0 - 0 is +0, where -0 would be: both μ-law zero codes decode to the same sample.
  return sign ? 0 - magnitude : magnitude;
}

export function muLawEncode(sample: number): number {
  let s = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

export function aLawDecode(code: number): number {
  const a = code ^ 0x55;
  const sign = a & 0x80;
  const exponent = (a >> 4) & 0x07;
  const mantissa = a & 0x0f;
  let magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  if (magnitude > 32767) magnitude = 32767;
  // A-law's sign bit set means positive.
  return sign ? magnitude : -magnitude;
}

const A_SEGMENT_ENDS = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

export function aLawEncode(sample: number): number {
  // A-law works on 13-bit magnitudes; even code bits are inverted (XOR 0x55), sign bit set = positive.
  let pcm = Math.max(-32768, Math.min(32767, Math.round(sample))) >> 3;
  let mask: number;
  if (pcm >= 0) {
    mask = 0xd5;
  } else {
    mask = 0x55;
    pcm = -pcm - 1;
  }
  const segment = A_SEGMENT_ENDS.findIndex((end) => pcm <= end);
  if (segment === -1) return 0x7f ^ mask;
  const mantissa = segment < 2 ? (pcm >> 1) & 0x0f : (pcm >> segment) & 0x0f;
  return ((segment << 4) | mantissa) ^ mask;
}

const MU_TABLE = Int16Array.from({ length: 256 }, (_, i) => muLawDecode(i));
const A_TABLE = Int16Array.from({ length: 256 }, (_, i) => aLawDecode(i));

/** Decodes a PCMU payload into `out` from `offset`; returns the number of samples written. */
export function decodePcmu(payload: Buffer, out: Int16Array, offset = 0): number {
  const n = Math.min(payload.length, out.length - offset);
  for (let i = 0; i < n; i++) out[offset + i] = MU_TABLE[payload[i]!]!;
  return n;
}

export function decodePcma(payload: Buffer, out: Int16Array, offset = 0): number {
  const n = Math.min(payload.length, out.length - offset);
  for (let i = 0; i < n; i++) out[offset + i] = A_TABLE[payload[i]!]!;
  return n;
}

export function encodePcmu(samples: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = muLawEncode(samples[i]!);
  return out;
}

export function encodePcma(samples: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = aLawEncode(samples[i]!);
  return out;
}
