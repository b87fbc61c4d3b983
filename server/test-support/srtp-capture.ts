import { execFileSync } from "node:child_process";
import { decodePcma, parseRtpHeader } from "../../protocol/rtp";
import { cryptoLines, parseSdp } from "../../protocol/sdp";
import { SrtpContext, srtpSuite, type SrtpPolicy } from "../../protocol/srtp";

/** One UDP datagram of a capture. */
export interface CapturedDatagram {
  readonly from: number;
  readonly to: number;
  readonly payload: Buffer;
}

/** The UDP datagrams of a capture matching a tshark display filter, in order. */
export function udpDatagrams(file: string, displayFilter: string): CapturedDatagram[] {
  const out = execFileSync(
    "tshark",
    [
      "-r",
      file,
      "-Y",
      displayFilter,
      "-T",
      "fields",
      "-e",
      "udp.srcport",
      "-e",
      "udp.dstport",
      "-e",
      "udp.payload",
    ],
    { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 },
  );
  return out
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [from, to, hex] = line.split("\t");
      return { from: Number(from), to: Number(to), payload: Buffer.from(hex ?? "", "hex") };
    });
}

/** A SIP message of a capture: its ports and its text. */
export interface CapturedSip {
  readonly from: number;
  readonly to: number;
  readonly text: string;
}

/** The SIP messages sent to or from `port` in a capture. */
export function sipMessages(file: string, port: number): CapturedSip[] {
  return udpDatagrams(file, `udp.port == ${port}`)
    .map((d) => ({ from: d.from, to: d.to, text: d.payload.toString("utf8") }))
    .filter(({ text }) => /^(SIP\/2\.0 \d{3} [^\r\n]*|[A-Z]+ \S+ SIP\/2\.0)\r\n/.test(text));
}

/** The SDP body of a SIP message, or undefined. */
export function sdpOf(message: string): string | undefined {
  const at = message.indexOf("\r\n\r\n");
  const body = at === -1 ? "" : message.slice(at + 4);
  return body.startsWith("v=0") ? body : undefined;
}

/**
 * The SDES key an SDP gives for its audio stream: the one `a=crypto` line of an answer, or the
 * line of an offer with tag `tag` (the one the answer accepted). Its sender protects with it.
 */
export function sdesKeyOf(sdp: string, tag?: number): SrtpPolicy & { tag: number } {
  const audio = parseSdp(Buffer.from(sdp)).media.find((m) => m.media === "audio");
  if (audio === undefined) throw new Error(`no audio stream in:\n${sdp}`);
  const line = cryptoLines(audio).find((c) => tag === undefined || c.tag === tag);
  const suite = line === undefined ? undefined : srtpSuite(line.suite);
  if (line === undefined || suite === undefined) throw new Error(`no usable a=crypto line in:\n${sdp}`);
  const keySalt = line.keys[0]!.keySalt;
  return {
    tag: line.tag,
    suite,
    masterKey: keySalt.subarray(0, suite.keyLength),
    masterSalt: keySalt.subarray(suite.keyLength),
  };
}

/** RTCP packet types (RFC 3550 §12.1: 200–204) read where RTP has its marker and payload type. */
export const isRtcp = (datagram: Buffer): boolean =>
  datagram.length >= 2 && datagram[1]! >= 200 && datagram[1]! <= 204;

/**
 * Every RTP datagram of one direction of an SDES leg unprotected with the key its sender announced
 * (RFC 3711 §3.3: the authentication tag is verified before anything is decrypted): throws naming
 * the first datagram that does not authenticate. Returns the plain RTP payloads, in order.
 */
export function unprotectAll(datagrams: readonly Buffer[], key: SrtpPolicy): Buffer[] {
  const context = new SrtpContext(key);
  return datagrams.map((datagram, n) => {
    let plain: Buffer;
    try {
      plain = context.unprotect(datagram);
    } catch (error) {
      throw new Error(
        `datagram ${n} of ${datagrams.length} is not SRTP of the announced key: ${String(error)}`,
      );
    }
    const header = parseRtpHeader(plain);
    return plain.subarray(header.payloadOffset, header.payloadOffset + header.payloadLength);
  });
}

/** G.711 A-law payloads decoded into one track of 8 kHz samples. */
export function decodePcmaTrack(payloads: readonly Buffer[]): Int16Array {
  const samples = new Int16Array(payloads.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const payload of payloads) at += decodePcma(payload, samples, at);
  return samples;
}

/** Root mean square of samples: 0 for digital silence, ~2100 for a sine of amplitude 3000. */
export function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return samples.length === 0 ? 0 : Math.sqrt(sum / samples.length);
}

/**
 * baresip's one RTCP packet in clear: the APP "PING" it sends to open a NAT pinhole as its stream
 * starts (libre's rtcp_send_app), before the keys are known. No audio in it.
 */
export const isPinhole = (d: Buffer): boolean =>
  d.length === 16 && d[1] === 204 && d.subarray(8).toString("latin1") === "PINGPONG";

/**
 * baresip's last RTCP packet may go in clear: the compound BYE + SDES (CNAME) it sends as its
 * stream closes, after its SRTP filter is gone. No audio in it; only the last datagram may be one.
 */
export const isClosingBye = (d: Buffer): boolean => isRtcp(d) && d[1] === 203;

/** One SDES-SRTP leg between a peer and the media engine, read back from a capture. */
export interface SrtpLeg {
  /** The peer's SDP (offer or answer) and the engine's. */
  readonly peerSdp: string;
  readonly engineSdp: string;
  /** Every datagram on the peer's media ports, each way. */
  readonly toPeer: Buffer[];
  readonly fromPeer: Buffer[];
  /** The RTP payloads each way, unprotected with the key their sender announced. */
  readonly heardByPeer: Buffer[];
  readonly saidByPeer: Buffer[];
  /**
   * baresip's NAT pinhole packets (isPinhole) and its closing BYE in clear (isClosingBye, last
   * datagram only): the only datagrams not SRTP or SRTCP.
   */
  readonly pinholes: number;
  readonly closingByesInClear: number;
}

/**
 * Reads a peer's SDES leg from a capture of its SIP port and media ports: the two SDPs it
 * exchanged with the SIP Server, then every RTP datagram each way unprotected (tag verified) with
 * its sender's key and every RTCP datagram as SRTCP. Throws at the first one that is not.
 */
export function readSrtpLeg(
  file: string,
  peer: { sipPort: number; rtp: { min: number; max: number } },
): SrtpLeg {
  const sip = sipMessages(file, peer.sipPort);
  const sdp = (fromPeer: boolean) =>
    sip
      .filter((m) => (m.from === peer.sipPort) === fromPeer)
      .map((m) => sdpOf(m.text))
      .find((body) => body !== undefined);
  const peerSdp = sdp(true);
  const engineSdp = sdp(false);
  if (peerSdp === undefined || engineSdp === undefined)
    throw new Error(`no offer and answer on the peer's leg:\n${sip.map((m) => m.text).join("\n----\n")}`);
  const engineKey = sdesKeyOf(engineSdp);
  const peerKey = sdesKeyOf(peerSdp, engineKey.tag);
  const onLeg = udpDatagrams(file, `udp.port >= ${peer.rtp.min} && udp.port <= ${peer.rtp.max + 1}`);
  const ours = (port: number) => port >= peer.rtp.min && port <= peer.rtp.max + 1;
  const toPeer = onLeg.filter((d) => ours(d.to)).map((d) => d.payload);
  const fromPeer = onLeg.filter((d) => ours(d.from)).map((d) => d.payload);
  let closingByesInClear = 0;
  for (const [way, rtcp, key] of [
    ["to the peer", toPeer.filter(isRtcp), engineKey],
    ["from the peer", fromPeer.filter((d) => isRtcp(d) && !isPinhole(d)), peerKey],
  ] as const) {
    const context = new SrtpContext(key);
    rtcp.forEach((packet, n) => {
      try {
        context.unprotectRtcp(packet);
      } catch (error) {
        if (way === "from the peer" && n === rtcp.length - 1 && isClosingBye(packet)) {
          closingByesInClear++;
          return;
        }
        throw new Error(
          `RTCP datagram ${n + 1} of ${rtcp.length} ${way} is not SRTCP of the announced key (${String(error)}): ${packet.toString("hex")}`,
        );
      }
    });
  }
  return {
    peerSdp,
    engineSdp,
    toPeer,
    fromPeer,
    heardByPeer: unprotectAll(
      toPeer.filter((d) => !isRtcp(d)),
      engineKey,
    ),
    saidByPeer: unprotectAll(
      fromPeer.filter((d) => !isRtcp(d)),
      peerKey,
    ),
    pinholes: fromPeer.filter(isPinhole).length,
    closingByesInClear,
  };
}
