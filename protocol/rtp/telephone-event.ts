import { ProtocolParseError } from "../protocol-parse-error";

/** RFC 4733 §2.3 payload: event, E bit, volume, duration. */
export type TelephoneEvent = { event: number; end: boolean; volume: number; duration: number };

export function parseTelephoneEvent(payload: Buffer): TelephoneEvent {
  // RFC 4733 §2.3: the payload format is four octets (event, E|R|volume, duration).
  if (payload.length < 4) {
    throw new ProtocolParseError("rtp", `telephone-event payload of ${payload.length} bytes, expected 4`);
  }
  return {
    event: payload[0]!,
    end: (payload[1]! & 0x80) !== 0,
    volume: payload[1]! & 0x3f,
    duration: payload.readUInt16BE(2),
  };
}

export function serializeTelephoneEvent(e: TelephoneEvent): Buffer {
  const buf = Buffer.alloc(4);
  buf[0] = e.event & 0xff;
  // RFC 4733 §2.3.2: "R: This field is reserved for future use. The sender MUST set it to zero".
  buf[1] = (e.end ? 0x80 : 0) | (e.volume & 0x3f);
  buf.writeUInt16BE(e.duration & 0xffff, 2);
  return buf;
}

const DTMF = "0123456789*#ABCD";

/** RFC 4733 §3.2 table 1: events 0–15 are the DTMF digits 0–9, *, #, A–D. */
export function dtmfEventToChar(event: number): string | null {
  return DTMF[event] ?? null;
}
