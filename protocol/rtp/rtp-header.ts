import { ProtocolParseError } from "../protocol-parse-error";

/** RFC 3550 §5.1 fixed header fields, plus where the payload lies in the packet. */
export type RtpHeader = {
  version: number;
  padding: boolean;
  extension: boolean;
  csrcCount: number;
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrcs: number[];
  extensionProfile?: number;
  extensionData?: Buffer;
  payloadOffset: number;
  /** Payload bytes, excluding any padding. */
  payloadLength: number;
};

const FIXED_HEADER = 12;

/**
 * Full parse with every length checked against the buffer. For the relay's hot path use the
 * in-place readers below instead: they read one field without allocating.
 */
export function parseRtpHeader(buf: Buffer): RtpHeader {
  if (buf.length < FIXED_HEADER) {
    throw new ProtocolParseError(
      "rtp",
      `packet of ${buf.length} bytes is shorter than the 12-byte fixed header`,
    );
  }
  const b0 = buf[0]!;
  const b1 = buf[1]!;
  // RFC 3550 §5.1: "version (V): 2 bits. This field identifies the version of RTP. The
  // version defined by this specification is two (2)."
  const version = b0 >> 6;
  if (version !== 2) throw new ProtocolParseError("rtp", `version ${version}, expected 2`);
  const padding = (b0 & 0x20) !== 0;
  const extension = (b0 & 0x10) !== 0;
  const csrcCount = b0 & 0x0f;
  let offset = FIXED_HEADER + csrcCount * 4;
  if (offset > buf.length) {
    throw new ProtocolParseError(
      "rtp",
      `CSRC count ${csrcCount} runs past the end of a ${buf.length}-byte packet`,
    );
  }
  const csrcs: number[] = [];
  for (let i = 0; i < csrcCount; i++) csrcs.push(buf.readUInt32BE(FIXED_HEADER + i * 4));
  let extensionProfile: number | undefined;
  let extensionData: Buffer | undefined;
  if (extension) {
    // RFC 3550 §5.3.1: the extension "contains a 16-bit length field that counts the number
    // of 32-bit words in the extension, excluding the four-octet extension header".
    if (offset + 4 > buf.length)
      throw new ProtocolParseError("rtp", "header extension runs past the end of the packet");
    extensionProfile = buf.readUInt16BE(offset);
    const words = buf.readUInt16BE(offset + 2);
    const end = offset + 4 + words * 4;
    if (end > buf.length) {
      throw new ProtocolParseError(
        "rtp",
        `header extension of ${words} words runs past the end of the packet`,
      );
    }
    extensionData = buf.subarray(offset + 4, end);
    offset = end;
  }
  let payloadLength = buf.length - offset;
  if (padding) {
    // RFC 3550 §5.1: "The last octet of the padding contains a count of how many padding
    // octets should be ignored, including itself."
    const count = buf[buf.length - 1]!;
    if (count === 0 || count > payloadLength) {
      throw new ProtocolParseError(
        "rtp",
        `padding count ${count} does not fit a payload of ${payloadLength} bytes`,
      );
    }
    payloadLength -= count;
  }
  return {
    version,
    padding,
    extension,
    csrcCount,
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequenceNumber: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    csrcs,
    extensionProfile,
    extensionData,
    payloadOffset: offset,
    payloadLength,
  };
}

export type RtpPacketFields = Omit<
  RtpHeader,
  "version" | "csrcCount" | "payloadOffset" | "payloadLength" | "padding"
> & {
  payload: Buffer;
};

/** Builds a packet without padding. */
export function serializeRtpPacket(p: RtpPacketFields): Buffer {
  const extBytes = p.extension && p.extensionData ? 4 + p.extensionData.length : 0;
  if (p.extensionData && p.extensionData.length % 4 !== 0) {
    throw new ProtocolParseError("rtp", "header extension data must be a whole number of 32-bit words");
  }
  const buf = Buffer.alloc(FIXED_HEADER + p.csrcs.length * 4 + extBytes + p.payload.length);
  buf[0] = 0x80 | (extBytes ? 0x10 : 0) | p.csrcs.length;
  buf[1] = (p.marker ? 0x80 : 0) | (p.payloadType & 0x7f);
  buf.writeUInt16BE(p.sequenceNumber & 0xffff, 2);
  buf.writeUInt32BE(p.timestamp >>> 0, 4);
  buf.writeUInt32BE(p.ssrc >>> 0, 8);
  let offset = FIXED_HEADER;
  for (const csrc of p.csrcs) {
    buf.writeUInt32BE(csrc >>> 0, offset);
    offset += 4;
  }
  if (extBytes && p.extensionData) {
    buf.writeUInt16BE(p.extensionProfile ?? 0, offset);
    buf.writeUInt16BE(p.extensionData.length / 4, offset + 2);
    p.extensionData.copy(buf, offset + 4);
    offset += extBytes;
  }
  p.payload.copy(buf, offset);
  return buf;
}

/**
 * Quick demultiplexing test for a datagram on a shared port. RFC 5761 §4: RTP and RTCP are
 * told apart by the second octet, RTCP packet types 192–223 falling where RTP payload types
 * 64–95 would be with the marker bit set.
 */
export function isRtpPacket(buf: Buffer): boolean {
  if (buf.length < FIXED_HEADER || buf[0]! >> 6 !== 2) return false;
  const pt = buf[1]! & 0x7f;
  return pt < 64 || pt > 95;
}

/**
 * Where the payload of an RTP packet starts (after the CSRCs and any header extension), checked as
 * parseRtpHeader checks it, or -1 when parseRtpHeader would throw. For per-packet code: no object.
 */
export function rtpPayloadOffset(buf: Buffer): number {
  if (buf.length < FIXED_HEADER) return -1;
  const b0 = buf[0]!;
  if (b0 >> 6 !== 2) return -1;
  let offset = FIXED_HEADER + (b0 & 0x0f) * 4;
  if (offset > buf.length) return -1;
  if ((b0 & 0x10) !== 0) {
    if (offset + 4 > buf.length) return -1;
    offset += 4 + buf.readUInt16BE(offset + 2) * 4;
    if (offset > buf.length) return -1;
  }
  return offset;
}

/** Payload bytes from `offset` (rtpPayloadOffset's), padding excluded, or -1 for a bad padding count. */
export function rtpPayloadLength(buf: Buffer, offset: number): number {
  const length = buf.length - offset;
  if ((buf[0]! & 0x20) === 0) return length;
  const count = buf[buf.length - 1]!;
  return count === 0 || count > length ? -1 : length - count;
}

// In-place field access for the relay: no parse, no allocation.
export const readSeq = (buf: Buffer): number => buf.readUInt16BE(2);
export const readTimestamp = (buf: Buffer): number => buf.readUInt32BE(4);
export const readSsrc = (buf: Buffer): number => buf.readUInt32BE(8);
export const readPayloadType = (buf: Buffer): number => buf[1]! & 0x7f;
export const readMarker = (buf: Buffer): boolean => (buf[1]! & 0x80) !== 0;
export const writeSeq = (buf: Buffer, seq: number): void => void buf.writeUInt16BE(seq & 0xffff, 2);
export const writeTimestamp = (buf: Buffer, ts: number): void => void buf.writeUInt32BE(ts >>> 0, 4);
export const writeSsrc = (buf: Buffer, ssrc: number): void => void buf.writeUInt32BE(ssrc >>> 0, 8);
/** Keeps the marker bit. */
export const writePayloadType = (buf: Buffer, pt: number): void => {
  buf[1] = (buf[1]! & 0x80) | (pt & 0x7f);
};
