import { aLawEncode, muLawEncode } from "../../protocol/rtp";

/** The G.711 encodings a tone is synthesised in (8 kHz, one byte per sample). */
export type G711Encoding = "PCMU" | "PCMA";

export const TONE_SAMPLE_RATE = 8000;

/**
 * Peak of the synthesised sine: 0.3 of full scale, about -10 dBFS (-7 dBm0 with G.711's 3.17 dBm0
 * full-scale sine), loud enough to be heard over speech and well clear of clipping.
 */
export const TONE_AMPLITUDE = Math.round(0.3 * 32767);

export function g711EncodingOf(encoding: string): G711Encoding | undefined {
  const name = encoding.toUpperCase();
  return name === "PCMU" || name === "PCMA" ? name : undefined;
}

/**
 * A sine of one frequency as G.711 samples, generated on demand: no audio file, no table. The
 * phase is the absolute sample index, so successive `fill` calls (one per RTP packet, 160 samples
 * for 20 ms) join without a click, whatever each packet's length.
 */
export class ToneSynth {
  private next = 0;
  private readonly step: number;
  private readonly encode: (sample: number) => number;

  constructor(
    frequencyHz: number,
    encoding: G711Encoding,
    private readonly amplitude = TONE_AMPLITUDE,
  ) {
    this.step = (2 * Math.PI * frequencyHz) / TONE_SAMPLE_RATE;
    this.encode = encoding === "PCMU" ? muLawEncode : aLawEncode;
  }

  /** Samples written so far. */
  get position(): number {
    return this.next;
  }

  /** Writes the next `count` samples, G.711-encoded, into `out` from byte `offset`. */
  fill(out: Buffer, offset: number, count: number): void {
    for (let i = 0; i < count; i++) {
      const sample = Math.round(this.amplitude * Math.sin(this.step * (this.next + i)));
      out[offset + i] = this.encode(sample);
    }
    this.next += count;
  }

  /** The next `count` samples as a new G.711 payload (one 20 ms frame: 160). */
  frame(count = TONE_SAMPLE_RATE / 50): Buffer {
    const out = Buffer.alloc(count);
    this.fill(out, 0, count);
    return out;
  }
}
