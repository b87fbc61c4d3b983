import fs from "node:fs";

/**
 * Writes RTP packets into a libpcap file (Ethernet, IPv4, UDP) such as SIPp's
 * `play_pcap_audio` replays: it sends each UDP payload at its recorded time offset, from its own
 * media port to the party's, so only the payloads and times matter here (addresses are fixed
 * placeholders, checksums left 0 — "no checksum" for UDP over IPv4, RFC 768).
 */
export function writeRtpPcap(file: string, packets: readonly { atMs: number; rtp: Buffer }[]): void {
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0); // magic: microsecond timestamps
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65_535, 16); // snaplen
  global.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  const records = packets.map(({ atMs, rtp }) => {
    const udpLength = 8 + rtp.length;
    const ipLength = 20 + udpLength;
    const frame = Buffer.alloc(14 + ipLength);
    frame.writeUInt16BE(0x0800, 12); // EtherType IPv4
    frame.writeUInt8(0x45, 14); // version 4, header 5 words
    frame.writeUInt16BE(ipLength, 16);
    frame.writeUInt8(64, 22); // TTL
    frame.writeUInt8(17, 23); // UDP
    Buffer.from([10, 0, 0, 1]).copy(frame, 26);
    Buffer.from([10, 0, 0, 2]).copy(frame, 30);
    frame.writeUInt16BE(10_000, 34);
    frame.writeUInt16BE(20_000, 36);
    frame.writeUInt16BE(udpLength, 38);
    rtp.copy(frame, 42);
    const header = Buffer.alloc(16);
    const micros = Math.round(atMs * 1000);
    header.writeUInt32LE(Math.floor(micros / 1_000_000), 0);
    header.writeUInt32LE(micros % 1_000_000, 4);
    header.writeUInt32LE(frame.length, 8);
    header.writeUInt32LE(frame.length, 12);
    return Buffer.concat([header, frame]);
  });
  fs.writeFileSync(file, Buffer.concat([global, ...records]));
}
