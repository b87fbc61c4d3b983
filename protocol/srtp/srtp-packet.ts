import { SrtpError } from "./srtp-error";

/**
 * Length of an RTP header with its CSRC list and header extension (RFC 3550 §5.1, §5.3.1): the
 * part SRTP leaves in clear. RFC 3711 §3.1: "The "Encrypted Portion" of an SRTP packet consists of
 * the encryption of the RTP payload (including RTP padding when present) of the equivalent RTP
 * packet."
 */
export function rtpHeaderLength(packet: Buffer): number {
  if (packet.length < 12) throw new SrtpError("too-short", `${packet.length} bytes, less than an RTP header`);
  const b0 = packet[0]!;
  if (b0 >> 6 !== 2) throw new SrtpError("malformed", `RTP version ${b0 >> 6}, expected 2`);
  let length = 12 + 4 * (b0 & 0x0f);
  if ((b0 & 0x10) !== 0) {
    if (length + 4 > packet.length) throw new SrtpError("malformed", "header extension runs past the packet");
    length += 4 + 4 * packet.readUInt16BE(length + 2);
  }
  if (length > packet.length) throw new SrtpError("malformed", "RTP header runs past the packet");
  return length;
}

/** RFC 3550 §6.4.1: RTCP's first 8 octets (V/P/RC, PT, length, SSRC of the sender). */
export function checkRtcpHeader(packet: Buffer, minimum: number): void {
  if (packet.length < minimum)
    throw new SrtpError("too-short", `${packet.length} bytes, less than ${minimum} for SRTCP`);
  if (packet[0]! >> 6 !== 2) throw new SrtpError("malformed", `RTCP version ${packet[0]! >> 6}, expected 2`);
}

/**
 * RFC 3711 §4.1.1: "IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16)" — the 112-bit session
 * salt, the 32-bit SSRC and the 48-bit index placed in one 128-bit counter block. The SRTCP IV is
 * the same with the SRTCP index for i (§4.1: "with the SRTCP index ... in place of the SRTP
 * index").
 */
export function aesCmIv(salt: Buffer, ssrc: number, index: number): Buffer {
  const iv = Buffer.alloc(16);
  salt.copy(iv, 0);
  iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4);
  const high = Math.floor(index / 0x1_0000_0000);
  iv.writeUInt16BE(iv.readUInt16BE(8) ^ (high & 0xffff), 8);
  iv.writeUInt32BE((iv.readUInt32BE(10) ^ index) >>> 0, 10);
  return iv;
}

/**
 * RFC 7714 §8.1: for SRTP "The 12-octet IV used by AES-GCM SRTP is formed by first concatenating
 * 2 octets of zeroes, the 4-octet SSRC, the 4-octet rollover counter (ROC), and the 2-octet
 * sequence number (SEQ). The resulting 12-octet value is then XORed to the 12-octet salt". §9.1
 * for SRTCP: "2 octets of zeroes, the 4-octet SSRC, 2 octets of zeroes, a single "0" bit, and the
 * 31-bit SRTCP index".
 */
export function gcmIv(salt: Buffer, ssrc: number, high: number, low: number, lowBytes: 2 | 4): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(ssrc >>> 0, 2);
  if (lowBytes === 2) {
    iv.writeUInt32BE(high >>> 0, 6);
    iv.writeUInt16BE(low, 10);
  } else iv.writeUInt32BE(low >>> 0, 8);
  for (let i = 0; i < 12; i++) iv[i] = iv[i]! ^ salt[i]!;
  return iv;
}
