/**
 * An RTCP SDES packet with one chunk carrying one CNAME item, to follow a receiver report.
 *
 * RFC 3550 §6.1: "SDES: An SDES packet containing a CNAME item MUST be included in each compound
 * RTCP packet." §6.5 (paraphrased): each chunk is an SSRC followed by items (type, length, text),
 * the item list ends with at least one null octet and is padded with nulls to a 32-bit boundary;
 * CNAME is item type 1. The protocol codec serializes SR, RR and BYE only, hence this.
 */
export function serializeSdesCname(ssrc: number, cname: string): Buffer {
  const text = Buffer.from(cname, "utf8").subarray(0, 255);
  // Header (4) + SSRC (4) + type and length (2) + text + at least one null octet, to 32 bits.
  const size = Math.ceil((4 + 4 + 2 + text.length + 1) / 4) * 4;
  const out = Buffer.alloc(size);
  out[0] = 0x80 | 1; // version 2, no padding, one chunk
  out[1] = 202; // SDES
  out.writeUInt16BE(size / 4 - 1, 2);
  out.writeUInt32BE(ssrc >>> 0, 4);
  out[8] = 1; // CNAME
  out[9] = text.length;
  text.copy(out, 10);
  return out;
}
