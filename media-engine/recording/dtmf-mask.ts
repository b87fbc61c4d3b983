import type { DtmfMasking } from "../../protocol/msml";
import {
  decodePcma,
  decodePcmu,
  parseTelephoneEvent,
  readTimestamp,
  rtpPayloadLength,
  rtpPayloadOffset,
} from "../../protocol/rtp";
import { detectDtmf } from "./in-band-dtmf-detector";

/** What the recorded copy of one party's audio is made of. */
export interface DtmfMaskOptions {
  readonly mode: DtmfMasking;
  /** The leg's audio format: payload type and encoding name (in-band masking needs G.711). */
  readonly audio: { readonly payloadType: number; readonly encoding: string };
  /**
   * The leg's RFC 4733 telephone-event payload type; when unknown, any dynamic payload type
   * (96–127) carrying whole 4-byte event payloads is taken for one.
   */
  readonly telephoneEventPayloadType: number | undefined;
}

/** A G.711 encoding's code for (near) zero: μ-law 0xFF, A-law 0xD5. */
const SILENCE: Record<string, number> = { PCMU: 0xff, PCMA: 0xd5 };
/** Packets silenced after the last one with DTMF in it: the tone's tail, part of a packet. */
const HANGOVER_PACKETS = 1;
/** More samples than one event packet can stand for is not believed (10 × 20 ms). */
const MAX_EVENT_SAMPLES = 1600;

/**
 * Keeps a customer's key presses out of the recorded copy of a leg's audio; what the other
 * party hears is untouched (this sees copies). RFC 4733 §2.5.1.2 lets a sender stop its audio
 * while an event lasts, and a recorder that keeps events could rebuild the digits, so:
 *
 * - telephone-event packets are not forwarded; the time they cover is sent as G.711 silence in
 *   the audio format, so the recorded stream keeps its timeline (RFC 4733 §2.3.5: an event's
 *   packets share its start timestamp, and "duration" grows to the end of the event);
 * - in-band DTMF (ITU-T Q.23 tone pairs in G.711) is found per packet and replaced by silence.
 *   Each packet is held back until the next one arrives, so the tone's first, partial packet is
 *   silenced too, and the packet after the last detected one as well (the tail).
 *
 * Anchor: rtpengine's DTMF-security "silence" mode. Only the recorded copy is changed.
 */
export class DtmfMask {
  private held: Buffer | undefined;
  /** The held packet is silence already (a tone, a tail or an event). */
  private heldMasked = false;
  private hangover = 0;
  /** Event start timestamp and how far (in samples) silence already covers it. */
  private event: { timestamp: number; covered: number } | undefined;
  private readonly silence: number | undefined;
  /** The G.711 decoder of the leg's format; undefined for any other format (no in-band check). */
  private readonly decode: ((payload: Buffer, out: Int16Array) => unknown) | undefined;
  private readonly samples = new Int16Array(MAX_EVENT_SAMPLES);
  /** In-band masking is on: every packet is held back one step, as a copy of its own. */
  private readonly inBand: boolean;
  /** What process() returns, reused: it runs per packet, so it allocates no array. */
  private readonly out: Buffer[] = [];
  /** Packets replaced or dropped so far: telephone-events and in-band tones. */
  masked = 0;

  constructor(private readonly options: DtmfMaskOptions) {
    const encoding = options.audio.encoding.toUpperCase();
    this.silence = SILENCE[encoding];
    this.decode = encoding === "PCMU" ? decodePcmu : encoding === "PCMA" ? decodePcma : undefined;
    this.inBand = options.mode === "events+inband" && this.decode !== undefined;
  }

  /**
   * Whether every packet process() returns is a buffer of the mask's own, that nobody else holds
   * (in-band masking copies what it holds back): the caller may then change it in place.
   */
  get ownsOutput(): boolean {
    return this.inBand;
  }

  /**
   * The packets to forward now, for one packet the party sent (RTP only; may be empty). The array
   * is reused by the next call: read it before.
   */
  process(packet: Buffer): readonly Buffer[] {
    const out = this.out;
    out.length = 0;
    if (this.options.mode === "off") {
      out.push(packet);
      return out;
    }
    const offset = rtpPayloadOffset(packet);
    const length = offset < 0 ? -1 : rtpPayloadLength(packet, offset);
    if (length < 0) return out;
    const payloadType = packet[1]! & 0x7f;
    if (payloadType !== this.options.audio.payloadType) {
      // Only the audio format is offered to the recorder; of the rest, events become silence.
      if (!this.isEvent(payloadType, length)) return out;
      this.masked++;
      const filler = this.eventFiller(packet, readTimestamp(packet), offset, length);
      if (filler !== undefined) this.pass(filler, false, true);
      return out;
    }
    this.event = undefined;
    if (!this.inBand || this.decode === undefined || length > this.samples.length) {
      this.pass(packet, false, false);
      return out;
    }
    const samples = this.samples.subarray(0, length);
    this.decode(packet.subarray(offset, offset + length), samples);
    const tone = detectDtmf(samples) !== undefined;
    if (tone) this.hangover = HANGOVER_PACKETS;
    else if (this.hangover > 0) this.hangover--;
    else {
      this.pass(packet, false, false);
      return out;
    }
    this.masked++;
    this.pass(this.silenced(packet, offset, length), tone, true);
    return out;
  }

  /**
   * Lets the held packet go (a pause or stop: it arrived before, so it belongs to the recording;
   * it has been checked already) and forgets the rest.
   */
  flush(): Buffer[] {
    const held = this.held;
    this.held = undefined;
    this.heldMasked = false;
    this.hangover = 0;
    this.event = undefined;
    return held === undefined ? [] : [held];
  }

  private isEvent(payloadType: number, length: number): boolean {
    const known = this.options.telephoneEventPayloadType;
    if (known !== undefined) return payloadType === known;
    return payloadType >= 96 && payloadType <= 127 && length > 0 && length % 4 === 0;
  }

  /**
   * Adds to the output what goes now: `packet` itself, or with in-band masking on the packet held
   * back (`tone` silences it too) while `packet` is held in its place.
   */
  private pass(packet: Buffer, tone: boolean, masked: boolean): void {
    if (!this.inBand) {
      this.out.push(packet);
      return;
    }
    const previous = this.held;
    const previousMasked = this.heldMasked;
    // The endpoint may reuse the buffer of a packet it handed over, and the same buffer is being
    // relayed to the other party: what is held is a copy (which the recording stream may restamp).
    this.held = masked ? packet : Buffer.from(packet);
    this.heldMasked = masked;
    if (previous === undefined) return;
    if (tone && !previousMasked && (previous[1]! & 0x7f) === this.options.audio.payloadType) {
      const offset = rtpPayloadOffset(previous);
      const length = offset < 0 ? -1 : rtpPayloadLength(previous, offset);
      if (length >= 0) {
        previous.fill(this.silence ?? 0, offset, offset + length);
        this.masked++;
      }
    }
    this.out.push(previous);
  }

  private silenced(packet: Buffer, offset: number, length: number): Buffer {
    const copy = Buffer.from(packet);
    copy.fill(this.silence ?? 0, offset, offset + length);
    return copy;
  }

  /** Silence in the audio format for the part of an event not yet covered, or undefined. */
  private eventFiller(packet: Buffer, timestamp: number, offset: number, length: number): Buffer | undefined {
    if (this.silence === undefined || length < 4) return undefined;
    const { duration } = parseTelephoneEvent(packet.subarray(offset, offset + length));
    if (this.event?.timestamp !== timestamp) this.event = { timestamp, covered: 0 };
    const count = Math.min(duration - this.event.covered, MAX_EVENT_SAMPLES);
    if (count <= 0) return undefined;
    const filler = Buffer.alloc(12 + count, this.silence);
    packet.copy(filler, 0, 0, 12);
    // Version 2, no padding, no extension, no CSRC (RFC 3550 §5.1); the marker is cleared.
    filler[0] = 0x80;
    filler[1] = this.options.audio.payloadType & 0x7f;
    filler.writeUInt32BE((timestamp + this.event.covered) >>> 0, 4);
    this.event.covered += count;
    return filler;
  }
}
