import { randomInt } from "node:crypto";
import type dgram from "node:dgram";
import {
  isRtpPacket,
  parseRtcpCompound,
  readSeq,
  readSsrc,
  readTimestamp,
  serializeRtcpPacket,
  serializeSdesCname,
} from "../protocol/rtp";
import { getAttribute, mediaAddress, type SessionDescription } from "../protocol/sdp";
import type { SrtpSession } from "../protocol/srtp";
import { ReceptionReporter } from "./reception-reporter";
import type { RtpSocketPair } from "../common/rtp-port-pool";

/**
 * How often each received stream is reported. RFC 3550 §6.2: "An implementation MAY scale the
 * minimum RTCP interval to a smaller value inversely proportional to the session bandwidth
 * parameter" and "For unicast sessions, the reduced value MAY be used by participants that are
 * not active data senders as well, and the delay before sending the initial compound RTCP packet
 * MAY be zero." Its recommended reduced minimum (360 / session kb/s, 4.5 s for one G.711 stream)
 * is still too slow for our SRC, which takes a recorder for dead when its receiver reports stop
 * for 5 s; so the interval is a fixed 1 s, deliberately. An RR with one block and a CNAME is
 * under 100 bytes a second, about 1 % of the stream and well inside the 5 % of the session
 * bandwidth §6.2 recommends for RTCP.
 */
export const REPORT_INTERVAL_MS = 1_000;

export interface RtcpTarget {
  readonly address: string;
  readonly port: number;
}

/** What an offer says about one stream's RTCP. */
export interface StreamRtcpOffer {
  /** Where the SRC takes RTCP; undefined when the offer gives no usable address. */
  readonly target: RtcpTarget | undefined;
  /** RFC 5761 a=rtcp-mux, which the answer echoes: RTCP then shares the RTP port both ways. */
  readonly mux: boolean;
}

/**
 * The SRC's RTCP address for m-line `index`. RFC 3605 §2.1: "The RTCP attribute is used to
 * document the RTCP port used for media stream, when that port is not the next higher (odd) port
 * number following the RTP port described in the media line", and its syntax "a=rtcp:" port
 * [nettype space addrtype space connection-address] may name another address too. Without it,
 * RFC 3264 §5.1: "Unless there is an explicit indication otherwise, reports are sent to the port
 * number one higher than the number indicated."
 */
export function rtcpOfferOf(sdp: SessionDescription, index: number): StreamRtcpOffer {
  const media = sdp.media[index];
  if (media === undefined || media.port === 0) return { target: undefined, mux: false };
  let address: ReturnType<typeof mediaAddress>;
  try {
    address = mediaAddress(sdp, media);
  } catch {
    // No c= or a malformed a=rtcp: report to wherever the SRC's own RTCP comes from, if it does.
    return { target: undefined, mux: false };
  }
  if (address.rtcpMux) return { target: { address: address.address, port: address.port }, mux: true };
  const explicit = /^\d+\s+IN\s+IP[46]\s+([^\s/]+)/i.exec(getAttribute(media.attributes, "rtcp") ?? "");
  const host = explicit?.[1] ?? address.address;
  if (address.rtcpPort === undefined || host === "0.0.0.0" || host === "::")
    return { target: undefined, mux: false };
  return { target: { address: host, port: address.rtcpPort }, mux: false };
}

export interface StreamReceiverOptions {
  readonly sockets: RtpSocketPair;
  /** The recorder's RTCP CNAME (RFC 3550 §6.5.1), the same for every stream. */
  readonly cname: string;
  /** RTP timestamp units per second (8000 for G.711). */
  readonly clockRate: number;
  readonly reportIntervalMs?: number;
  /** Every datagram that is not RTCP, as it arrives on the RTP port. */
  readonly onRtp: (datagram: Buffer) => void;
  /**
   * What the reports count as received: every packet as it arrives ("received", RFC 3550's
   * meaning), or only packets whose audio is in the file ("stored": told by `stored()`), so an
   * SRC that takes acknowledged packets as recorded is never told more than a crash would leave.
   */
  readonly acknowledge?: "received" | "stored";
  /** The clock `stored()` is given times on (ms); Date.now by default. */
  readonly now?: () => number;
  /** An exception that is a bug, contained so one stream cannot end the process. */
  readonly onError: (where: string, error: unknown) => void;
}

/** Version 2 and a packet type in 192–223, the range RFC 5761 §4 keeps apart from RTP payload types. */
function isRtcpPacket(packet: Buffer): boolean {
  if (packet.length < 8 || packet[0]! >> 6 !== 2) return false;
  const type = packet[1]!;
  return type >= 192 && type <= 223;
}

/**
 * One recorded stream's sockets: RTP in (handed to the recording), RTCP in (the SRC's sender
 * reports, for LSR/DLSR, and its source address), and a receiver report out every
 * `REPORT_INTERVAL_MS` (RFC 3550 §6.4.2) so the SRC knows the recorder is alive and what it got.
 *
 * Reports go to the offer's RTCP address until RTCP arrives from the SRC; from then on to that
 * packet's source (latching, as symmetric RTP does), until a new offer names another address.
 * Nothing is sent before the first RTP packet, nor while the stream is inactive (paused).
 */
export class StreamReceiver {
  /** SDES-SRTP on this stream (RTP/SAVP answered): SRTP/SRTCP in are opened, our SRTCP out protected. */
  private srtp: SrtpSession | undefined;
  /** Our SSRC in the reports. RFC 3550 §8.1: "the SSRC identifier ... SHOULD be chosen randomly". */
  readonly ssrc = randomInt(1, 0xffff_ffff);
  private readonly reporter: ReceptionReporter;
  private readonly timer: NodeJS.Timeout;
  private offered: RtcpTarget | undefined;
  private remote: RtcpTarget | undefined;
  private latched = false;
  private mux = false;
  private active = false;
  private closed = false;
  private sent = 0;
  /** "stored" mode: packets arrived but not yet in the file, oldest first. */
  private readonly unstored: { ssrc: number; seq: number; timestamp: number; arrival: number; at: number }[] =
    [];
  /** Stored packets the SRC has not been told of yet: reported even while the stream is paused. */
  private untold = false;

  constructor(private readonly options: StreamReceiverOptions) {
    const interval = options.reportIntervalMs ?? REPORT_INTERVAL_MS;
    this.reporter = new ReceptionReporter({ clockRate: options.clockRate, sourceTimeoutMs: 2 * interval });
    const { rtp, rtcp } = options.sockets;
    rtp.on("message", (datagram: Buffer, from: dgram.RemoteInfo) => this.onRtpSocket(datagram, from));
    rtcp.on("message", (datagram: Buffer, from: dgram.RemoteInfo) => this.onRtcp(datagram, from));
    rtp.on("error", (error) => options.onError("rtp_socket", error));
    rtcp.on("error", (error) => options.onError("rtcp_socket", error));
    this.timer = setInterval(() => this.report(), interval);
    this.timer.unref();
  }

  get port(): number {
    return this.options.sockets.rtp.address().port;
  }

  get rtcpPort(): number {
    return this.options.sockets.rtcp.address().port;
  }

  /** How many receiver reports went out. */
  get reportsSent(): number {
    return this.sent;
  }

  /** Applies the stream's part of an offer (the INVITE's, a re-INVITE's or an UPDATE's). */
  configure(rtcp: StreamRtcpOffer, active: boolean): void {
    this.active = active;
    this.mux = rtcp.mux;
    const changed =
      rtcp.target?.address !== this.offered?.address || rtcp.target?.port !== this.offered?.port;
    if (!changed) return;
    // A new address in an offer outranks what was latched: the SRC moved its RTCP.
    this.offered = rtcp.target;
    this.remote = rtcp.target;
    this.latched = false;
  }

  /** The keys of the offer/answer now in force, or undefined for plain RTP. */
  setSrtp(session: SrtpSession | undefined): void {
    this.srtp = session;
  }

  /** Packets refused by SRTP (auth failed, replayed…), by kind; undefined on a plain stream. */
  get srtpRefused(): Readonly<Record<string, number>> | undefined {
    return this.srtp?.refused;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.options.sockets.close();
  }

  private onRtpSocket(received: Buffer, from: dgram.RemoteInfo): void {
    if (this.mux && isRtcpPacket(received)) {
      this.onRtcp(received, from);
      return;
    }
    // RFC 3711 §3.3: an SRTP packet that fails authentication or is replayed "MUST be discarded".
    let datagram = received;
    if (this.srtp !== undefined) {
      const opened = isRtpPacket(received) ? this.srtp.unprotectRtp(received) : undefined;
      if (opened === undefined) return;
      datagram = opened;
    }
    try {
      if (isRtpPacket(datagram)) {
        const packet = {
          ssrc: readSsrc(datagram),
          seq: readSeq(datagram),
          timestamp: readTimestamp(datagram),
          arrival: performance.now(),
        };
        if (this.options.acknowledge === "stored")
          this.unstored.push({ ...packet, at: (this.options.now ?? Date.now)() });
        else this.reporter.receivedRtp(packet.ssrc, packet.seq, packet.timestamp, packet.arrival);
      }
      this.options.onRtp(datagram);
    } catch (error) {
      this.options.onError("rtp_packet", error);
    }
  }

  private onRtcp(received: Buffer, from: dgram.RemoteInfo): void {
    if (!isRtcpPacket(received)) return;
    const datagram = this.srtp === undefined ? received : this.srtp.unprotectRtcp(received);
    if (datagram === undefined) return;
    let packets;
    try {
      packets = parseRtcpCompound(datagram);
    } catch {
      // A malformed compound packet is the sender's problem; it neither latches nor counts.
      return;
    }
    if (!this.latched) {
      this.latched = true;
      this.remote = { address: from.address, port: from.port };
    } else if (from.address !== this.remote?.address || from.port !== this.remote.port) {
      return;
    }
    const now = performance.now();
    for (const packet of packets)
      if (packet.type === "sr") this.reporter.receivedSenderReport(packet.ssrc, packet.ntpTimestamp, now);
  }

  /**
   * "stored" mode: the recording wrote every packet that arrived until `throughAt` (on `now`'s
   * clock) to its file. They now count as received, and the SRC is told at once, so what it
   * takes as acknowledged follows the file within one write period.
   */
  stored(throughAt: number): void {
    let count = 0;
    while (count < this.unstored.length && this.unstored[count]!.at <= throughAt) count++;
    if (count === 0) return;
    for (const p of this.unstored.splice(0, count))
      this.reporter.receivedRtp(p.ssrc, p.seq, p.timestamp, p.arrival);
    this.untold = true;
    this.report();
  }

  private report(): void {
    const remote = this.remote;
    if (this.closed || remote === undefined || !this.reporter.hasReceived) return;
    // Paused: nothing new arrives, but what was stored since the last report is still told.
    if (!this.active && !this.untold) return;
    this.untold = false;
    try {
      // RFC 3550 §6.1: "The first RTCP packet in the compound packet MUST always be a report
      // packet"; a receiver that sends no RTP uses the RR (§6.4.2).
      const plain = Buffer.concat([
        serializeRtcpPacket({
          type: "rr",
          ssrc: this.ssrc,
          reports: this.reporter.reportBlocks(performance.now()),
        }),
        serializeSdesCname(this.ssrc, this.options.cname),
      ]);
      const compound = this.srtp === undefined ? plain : this.srtp.protectRtcp(plain);
      if (compound === undefined) return;
      const socket = this.mux ? this.options.sockets.rtp : this.options.sockets.rtcp;
      // A send that fails (no route) is the network's state, not a bug: the SRC's dead-recorder
      // detector is what notices missing reports, so nothing is logged here every second.
      socket.send(compound, remote.port, remote.address, () => undefined);
      this.sent++;
    } catch (error) {
      this.options.onError("rtcp_report", error);
    }
  }
}
