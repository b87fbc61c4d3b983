import { ProtocolParseError } from "../protocol-parse-error";

/** RFC 3550 §6.4.1/6.4.2 report block: one per source the reporter receives. */
export interface RtcpReportBlock {
  ssrc: number;
  /** Fraction lost since the previous report, 0..255 (an 8-bit fixed point fraction). */
  fractionLost: number;
  /** Cumulative packets lost, a signed 24-bit number. */
  cumulativeLost: number;
  highestSequence: number;
  /** Interarrival jitter in timestamp units. */
  jitter: number;
  lastSr: number;
  delaySinceLastSr: number;
}

export type RtcpPacket =
  | {
      type: "sr";
      ssrc: number;
      ntpTimestamp: bigint;
      rtpTimestamp: number;
      packetCount: number;
      octetCount: number;
      reports: RtcpReportBlock[];
    }
  | { type: "rr"; ssrc: number; reports: RtcpReportBlock[] }
  | { type: "bye"; sources: number[]; reason?: string }
  /** SDES, APP and anything newer, kept whole. */
  | { type: "other"; packetType: number; body: Buffer };

const SR = 200;
const RR = 201;
const BYE = 203;

/**
 * Parses a compound RTCP packet. RFC 3550 §6.1: "Individual RTCP packets are stacked together
 * without any intervening separators to form a compound RTCP packet" and each one's "length: 16
 * bits. The length of this RTCP packet in 32-bit words minus one, including the header and any
 * padding."
 */
export function parseRtcpCompound(buf: Buffer): RtcpPacket[] {
  const packets: RtcpPacket[] = [];
  let offset = 0;
  while (offset < buf.length) {
    if (buf.length - offset < 4)
      throw new ProtocolParseError("rtcp", `truncated header at byte ${offset}`, offset);
    const b0 = buf[offset]!;
    if (b0 >> 6 !== 2) throw new ProtocolParseError("rtcp", `version ${b0 >> 6}, expected 2`, offset);
    const count = b0 & 0x1f;
    const packetType = buf[offset + 1]!;
    const length = (buf.readUInt16BE(offset + 2) + 1) * 4;
    if (offset + length > buf.length) {
      throw new ProtocolParseError(
        "rtcp",
        `packet of ${length} bytes runs past the ${buf.length}-byte datagram`,
        offset,
      );
    }
    let end = offset + length;
    // §6.4.1 "padding (P): 1 bit. If the padding bit is set, this individual RTCP packet contains
    // some additional padding octets at the end which are not part of the control information".
    if (b0 & 0x20) {
      const pad = buf[end - 1]!;
      if (pad === 0 || pad > length - 4) throw new ProtocolParseError("rtcp", "bad padding", offset);
      end -= pad;
    }
    const body = buf.subarray(offset + 4, end);
    packets.push(parsePacket(packetType, count, body, offset));
    offset += length;
  }
  if (packets.length === 0) throw new ProtocolParseError("rtcp", "empty datagram");
  return packets;
}

function parsePacket(packetType: number, count: number, body: Buffer, offset: number): RtcpPacket {
  switch (packetType) {
    case SR: {
      if (body.length < 24 + count * 24)
        throw new ProtocolParseError("rtcp", "SR shorter than its report count", offset);
      return {
        type: "sr",
        ssrc: body.readUInt32BE(0),
        ntpTimestamp: body.readBigUInt64BE(4),
        rtpTimestamp: body.readUInt32BE(12),
        packetCount: body.readUInt32BE(16),
        octetCount: body.readUInt32BE(20),
        reports: readReports(body, 24, count),
      };
    }
    case RR: {
      if (body.length < 4 + count * 24)
        throw new ProtocolParseError("rtcp", "RR shorter than its report count", offset);
      return { type: "rr", ssrc: body.readUInt32BE(0), reports: readReports(body, 4, count) };
    }
    case BYE: {
      if (body.length < count * 4)
        throw new ProtocolParseError("rtcp", "BYE shorter than its source count", offset);
      const sources = Array.from({ length: count }, (_, i) => body.readUInt32BE(i * 4));
      const rest = count * 4;
      if (body.length > rest) {
        const len = body[rest]!;
        if (rest + 1 + len > body.length)
          throw new ProtocolParseError("rtcp", "BYE reason runs past the packet", offset);
        return { type: "bye", sources, reason: body.toString("utf8", rest + 1, rest + 1 + len) };
      }
      return { type: "bye", sources };
    }
    default:
      return { type: "other", packetType, body: Buffer.from(body) };
  }
}

function readReports(body: Buffer, start: number, count: number): RtcpReportBlock[] {
  const reports: RtcpReportBlock[] = [];
  for (let i = 0; i < count; i++) {
    const o = start + i * 24;
    const lost = body.readUIntBE(o + 5, 3);
    reports.push({
      ssrc: body.readUInt32BE(o),
      fractionLost: body[o + 4]!,
      cumulativeLost: lost & 0x800000 ? lost - 0x1000000 : lost,
      highestSequence: body.readUInt32BE(o + 8),
      jitter: body.readUInt32BE(o + 12),
      lastSr: body.readUInt32BE(o + 16),
      delaySinceLastSr: body.readUInt32BE(o + 20),
    });
  }
  return reports;
}

function writeReports(out: Buffer, start: number, reports: readonly RtcpReportBlock[]): void {
  reports.forEach((r, i) => {
    const o = start + i * 24;
    out.writeUInt32BE(r.ssrc >>> 0, o);
    out[o + 4] = r.fractionLost & 0xff;
    out.writeUIntBE(
      r.cumulativeLost < 0 ? r.cumulativeLost + 0x1000000 : Math.min(r.cumulativeLost, 0x7fffff),
      o + 5,
      3,
    );
    out.writeUInt32BE(r.highestSequence >>> 0, o + 8);
    out.writeUInt32BE(r.jitter >>> 0, o + 12);
    out.writeUInt32BE(r.lastSr >>> 0, o + 16);
    out.writeUInt32BE(r.delaySinceLastSr >>> 0, o + 20);
  });
}

/** Serializes one SR, RR or BYE packet (no padding). */
export function serializeRtcpPacket(packet: Exclude<RtcpPacket, { type: "other" }>): Buffer {
  if (packet.type === "bye") {
    const reason = packet.reason === undefined ? Buffer.alloc(0) : Buffer.from(packet.reason, "utf8");
    if (reason.length > 255) throw new ProtocolParseError("rtcp", "BYE reason longer than 255 bytes");
    const raw = 4 + packet.sources.length * 4 + (packet.reason === undefined ? 0 : 1 + reason.length);
    const size = Math.ceil(raw / 4) * 4;
    const out = Buffer.alloc(size);
    out[0] = 0x80 | packet.sources.length;
    out[1] = BYE;
    out.writeUInt16BE(size / 4 - 1, 2);
    packet.sources.forEach((s, i) => out.writeUInt32BE(s >>> 0, 4 + i * 4));
    if (packet.reason !== undefined) {
      out[4 + packet.sources.length * 4] = reason.length;
      reason.copy(out, 5 + packet.sources.length * 4);
    }
    return out;
  }
  if (packet.reports.length > 31)
    throw new ProtocolParseError("rtcp", "at most 31 report blocks fit one packet");
  const head = packet.type === "sr" ? 28 : 8;
  const out = Buffer.alloc(head + packet.reports.length * 24);
  out[0] = 0x80 | packet.reports.length;
  out[1] = packet.type === "sr" ? SR : RR;
  out.writeUInt16BE(out.length / 4 - 1, 2);
  out.writeUInt32BE(packet.ssrc >>> 0, 4);
  if (packet.type === "sr") {
    out.writeBigUInt64BE(packet.ntpTimestamp, 8);
    out.writeUInt32BE(packet.rtpTimestamp >>> 0, 16);
    out.writeUInt32BE(packet.packetCount >>> 0, 20);
    out.writeUInt32BE(packet.octetCount >>> 0, 24);
  }
  writeReports(out, head, packet.reports);
  return out;
}
