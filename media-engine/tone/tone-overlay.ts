import type { MsmlTone } from "../../protocol/msml";
import { parseRtpHeader, readPayloadType } from "../../protocol/rtp";
import { type G711Encoding, TONE_SAMPLE_RATE, ToneSynth } from "./tone-synth";

/** The audio format a party receives: its payload type and G.711 encoding. */
export interface OverlayAudio {
  readonly payloadType: number;
  readonly encoding: G711Encoding;
}

/**
 * Puts a tone into the RTP one party receives, as the bridge's outgoing filter of that party's
 * endpoint. The tone REPLACES the relayed audio (no mixing): for as many samples as the tone lasts,
 * the payload of each audio packet relayed to the party is the tone's. Header, SSRC, sequence
 * number and timestamp stay those of the relayed stream, so what the party receives stays one
 * continuous stream; only copies are changed (the other targets and the recording taps get the
 * packet as it came). Packets of other payload types (RFC 4733 telephone-events) pass unchanged.
 *
 * The tone is carried by the packets the other party sends: while it sends none (on hold, silence
 * suppression) nothing is heard, and the tone resumes with the next packet.
 */
export class ToneOverlay {
  private synth: ToneSynth | undefined;
  /** Samples of the current tone not yet sent. */
  private remaining = 0;
  private done: (() => void) | undefined;
  /** Who started the current tone: only they may silence it. */
  private owner: object | undefined;
  /** Audio packets whose payload was replaced (for tests and metrics). */
  replaced = 0;

  constructor(private readonly audio: OverlayAudio) {}

  get sounding(): boolean {
    return this.remaining > 0;
  }

  /**
   * Starts `tone` for `owner` (a tone already sounding is cut off, its `done` never runs); `done`
   * runs once the tone's last sample went out.
   */
  sound(tone: MsmlTone, owner: object, done: () => void): void {
    this.synth = new ToneSynth(tone.frequencyHz, this.audio.encoding);
    this.remaining = Math.round((tone.durationMs * TONE_SAMPLE_RATE) / 1000);
    this.owner = owner;
    this.done = done;
  }

  /** Ends the tone `owner` started, at once, if it is still the one sounding; its `done` does not run. */
  silence(owner: object): void {
    if (this.owner !== owner) return;
    this.remaining = 0;
    this.synth = undefined;
    this.owner = undefined;
    this.done = undefined;
  }

  /** The bridge's outgoing filter: the packet itself, or a copy carrying the tone. */
  readonly filter = (packet: Buffer): Buffer => {
    const synth = this.synth;
    if (this.remaining === 0 || synth === undefined) return packet;
    if (packet.length < 12 || readPayloadType(packet) !== this.audio.payloadType) return packet;
    let header;
    try {
      header = parseRtpHeader(packet);
    } catch {
      return packet;
    }
    const count = Math.min(this.remaining, header.payloadLength);
    if (count === 0) return packet;
    const copy = Buffer.from(packet);
    synth.fill(copy, header.payloadOffset, count);
    this.replaced++;
    this.remaining -= count;
    if (this.remaining === 0) {
      const done = this.done;
      this.synth = undefined;
      this.owner = undefined;
      this.done = undefined;
      done?.();
    }
    return copy;
  };
}
