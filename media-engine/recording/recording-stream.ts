import { randomBytes } from "node:crypto";
import type dgram from "node:dgram";
import {
  parseRtcpCompound,
  readTimestamp,
  serializeRtcpPacket,
  serializeSdesCname,
  writeSeq,
  writeSsrc,
} from "../../protocol/rtp";
import { SrtpSession, type SrtpPolicy } from "../../protocol/srtp";
import type { PortPool } from "../rtp";

/** Send times kept per stream, to date an acknowledged sequence number: ~20 s at 50 packets/s. */
const HISTORY = 1024;

/**
 * Sender reports every second while sending. RFC 3550 §6.2 bounds RTCP by bandwidth ("the
 * control traffic should be limited to a small and known fraction of the session bandwidth ...
 * 5%"); an SR with a CNAME is under 100 bytes, about 1 % of a G.711 stream, and the recorder
 * learns promptly how its RTP timestamps map to wall-clock time (NTP) and how many packets and
 * octets were sent, so it can tell what it missed.
 */
export const SENDER_REPORT_INTERVAL_MS = 1_000;

/** Seconds from the NTP epoch (1900) to the Unix epoch (1970), RFC 3550 §4. */
const NTP_UNIX_OFFSET_S = 2_208_988_800n;

/** Where a recorder takes one stream: its SDP answer's c=/m= and a=rtcp (or port + 1). */
export interface RemoteMedia {
  readonly address: string;
  readonly port: number;
  readonly rtcpPort: number;
  /** The recorder answered a=rtcp-mux (RFC 5761): RTCP both ways on the RTP ports. */
  readonly rtcpMux?: boolean;
  /** SDES keys when the recorder took SRTP: ours protects RTP and SRTCP, its key opens its SRTCP. */
  readonly srtp?: { readonly inbound: SrtpPolicy; readonly outbound: SrtpPolicy };
}

/** What the recorder's latest RTCP report block for our source said. */
interface ReceiverReport {
  /** RFC 3550 §6.4.1 "extended highest sequence number received". */
  highest: number;
  /** §6.4.1 "cumulative number of packets lost". */
  lost: number;
  /** When the highest sequence last went up (ms since the epoch). */
  advancedAt: number;
}

/** One stream's share of one SIPREC session: its own SSRC and sequence space. */
interface Segment {
  readonly ssrc: number;
  /**
   * Sequence number of the first packet. RFC 3550 A.1 starts a receiver's extended sequence at
   * the first packet's number with zero cycles, so packet i has extended number firstSeq + i.
   */
  readonly firstSeq: number;
  /** Where the recorder takes this stream; a re-INVITE of the recorder may move it. */
  remote: RemoteMedia;
  readonly startedAt: number;
  sent: number;
  readonly sentAt: Float64Array;
  report: ReceiverReport | undefined;
  /** Last RTCP SR/RR from the recorder (with or without a block for us). */
  rtcpAt: number | undefined;
  /** RTP timestamp units per second of the stream (the codec's clock rate). */
  readonly clockRate: number;
  /** RFC 3550 §6.4.1 "sender's octet count": payload octets sent in this segment. */
  octets: number;
  /** The last packet sent: its RTP timestamp and when (ms since the epoch), to date the SR's. */
  lastTimestamp: number;
  lastSentAt: number;
  /** SRTP toward this recorder (RTP/SAVP answered), else undefined: plain RTP. */
  srtp: SrtpSession | undefined;
}

/**
 * One recorded stream on the wire: a UDP port pair from the pool, the RTP socket connected to the
 * recorder's RTP address once known, so that an ICMP port unreachable surfaces as ECONNREFUSED
 * (the kernel reports ICMP errors only to connected UDP sockets), and the RTCP socket reading the
 * recorder's receiver reports. Each SIPREC session gets a new SSRC and a random first sequence
 * number (a new RTP session, RFC 3550 §8), so reports of one recorder never count for another.
 * Counters survive segments: `sent` and `acked` cover the whole recording.
 */
export class RecordingStream {
  private segment: Segment | undefined;
  private sentBefore = 0;
  private ackedBefore = 0;
  private connected = false;
  private closed = false;
  /** The socket is being connected to a new address: nothing can be sent for that instant. */
  private moving = false;
  private reportTimer: NodeJS.Timeout | undefined;
  /** SRs sent, all segments (for tests and metrics). */
  senderReports = 0;
  /** The recorder's host answered ICMP port unreachable to our RTP. */
  onUnreachable: (error: Error) => void = () => undefined;
  /** An RTCP report from the recorder arrived (for the loss watch and the stop wait). */
  onReport: () => void = () => undefined;

  private constructor(
    private readonly pool: PortPool,
    readonly localPort: number,
    private readonly rtp: dgram.Socket,
    /** Our RTCP port's socket (RTP port + 1); none once a recorder multiplexes RTCP (RFC 5761). */
    private rtcp: dgram.Socket | undefined,
    private readonly bindHost: string,
  ) {
    // RFC 3550 §6.5.1 CNAME, "user@host": the same for every stream of this engine.
    this.cname = `forkline-media-engine@${bindHost}`;
    rtp.on("error", (error) => this.onSocketError(error));
    // Recorders send their reports to our RTCP port (RTP port + 1, RFC 3550 §11); some send them
    // from and to the RTP port (RFC 4961 symmetric RTP, or RFC 5761 multiplexing): both are read.
    rtp.on("message", (packet, from) => this.onRtcp(packet, from));
    if (rtcp !== undefined) this.listenRtcp(rtcp);
  }

  private readonly cname: string;

  /**
   * A port pair: RFC 5761 §5.1.1 — the offer says a=rtcp-mux, but "if the answer does not
   * contain a=rtcp-mux, the offerer MUST NOT multiplex RTP and RTCP packets on the same port",
   * so the RTCP port is held until a recorder's answer says it multiplexes.
   */
  static async open(pool: PortPool, bindHost: string): Promise<RecordingStream> {
    const { port, rtp, rtcp } = await pool.allocate(bindHost, false);
    if (rtcp === undefined) throw new Error("the port pool gave no RTCP socket");
    return new RecordingStream(pool, port, rtp, rtcp, bindHost);
  }

  /** Ports this stream holds now: 2, or 1 once RTCP is multiplexed. */
  get portsHeld(): number {
    return this.rtcp === undefined ? 1 : 2;
  }

  private listenRtcp(rtcp: dgram.Socket): void {
    rtcp.on("error", () => undefined);
    rtcp.on("message", (packet, from) => this.onRtcp(packet, from));
  }

  /**
   * The recorder multiplexes RTCP (its answer has a=rtcp-mux): our RTCP port goes back to the
   * pool, a stream then holds one port. A later recorder (failover) that does not multiplex gets
   * the port back if it is still free; if not, its reports are not received and it is judged by
   * ICMP and SIP alone (a recorder is judged by RTCP only once it sent some).
   */
  private async followRtcpMux(mux: boolean): Promise<void> {
    if (mux && this.rtcp !== undefined) {
      const rtcp = this.rtcp;
      this.rtcp = undefined;
      closeQuietly(rtcp);
      this.pool.release(this.localPort + 1, false);
    } else if (!mux && this.rtcp === undefined) {
      const rtcp = await this.pool.reserve(this.bindHost, this.localPort + 1);
      if (rtcp === undefined) return;
      if (this.closed) {
        closeQuietly(rtcp);
        this.pool.release(this.localPort + 1, false);
        return;
      }
      this.rtcp = rtcp;
      this.listenRtcp(rtcp);
    }
  }

  /** Starts a segment toward a recorder: new SSRC and sequence, RTP socket connected to it. */
  async begin(remote: RemoteMedia, clockRate = 8_000): Promise<void> {
    if (this.closed) return;
    this.end();
    await this.followRtcpMux(remote.rtcpMux === true);
    await this.connectTo(remote);
    this.reportTimer = setInterval(() => this.sendReport(), SENDER_REPORT_INTERVAL_MS);
    this.reportTimer.unref();
    this.segment = {
      ssrc: randomBytes(4).readUInt32BE(0),
      firstSeq: randomBytes(2).readUInt16BE(0),
      remote,
      startedAt: Date.now(),
      sent: 0,
      sentAt: new Float64Array(HISTORY),
      report: undefined,
      rtcpAt: undefined,
      clockRate,
      octets: 0,
      lastTimestamp: 0,
      lastSentAt: 0,
      srtp: remote.srtp === undefined ? undefined : new SrtpSession(remote.srtp),
    };
  }

  /** The suite protecting the current segment, or undefined when it is plain RTP. */
  get srtpSuite(): string | undefined {
    return this.segment?.srtp?.suite.name;
  }

  /**
   * The recorder moved this stream (a re-INVITE whose SDP names another address or port, RFC
   * 3264 §8.3.1: "the new address ... is used"): the RTP session goes on — same SSRC and sequence
   * — to the new address. Packets in the instant of the move are not sent (nor counted).
   */
  async retarget(remote: RemoteMedia): Promise<void> {
    const segment = this.segment;
    if (segment === undefined || this.closed) return;
    const { address, port } = segment.remote;
    // A re-offer with another key from the recorder: its SRTCP is opened with the new one. Our
    // key is unchanged (the answer repeats it), so the session is only replaced for a new key.
    if (remote.srtp !== undefined && !sameInbound(segment.remote.srtp?.inbound, remote.srtp.inbound))
      segment.srtp = new SrtpSession(remote.srtp);
    if (address === remote.address && port === remote.port) {
      segment.remote = remote;
      return;
    }
    this.moving = true;
    try {
      await this.connectTo(remote);
      segment.remote = remote;
    } finally {
      this.moving = false;
    }
  }

  /** (Re)connects the RTP socket to `remote`, so ICMP errors from there surface on it. */
  private async connectTo(remote: RemoteMedia): Promise<void> {
    if (this.connected) {
      this.rtp.disconnect();
      this.connected = false;
    }
    await new Promise<void>((resolve, reject) => {
      try {
        this.rtp.connect(remote.port, remote.address, (error?: Error) => (error ? reject(error) : resolve()));
      } catch (error) {
        reject(error as Error);
      }
    });
    this.connected = true;
  }

  /**
   * Hot path: restamp with this segment's SSRC and sequence, send. `owned`: the buffer is the
   * caller's own copy, nobody else holds it (the DTMF mask's held-back packets), so it is
   * restamped in place; else (the buffer being relayed to the other party) a copy is.
   */
  forward(packet: Buffer, owned = false): void {
    const segment = this.segment;
    if (segment === undefined || this.closed || this.moving) return;
    const copy = owned ? packet : Buffer.from(packet);
    writeSsrc(copy, segment.ssrc);
    writeSeq(copy, segment.firstSeq + segment.sent);
    const now = Date.now();
    segment.sentAt[segment.sent % HISTORY] = now;
    segment.sent++;
    // Payload octets: the fixed header and CSRCs off (forwarded audio carries no header extension).
    segment.octets += copy.length - 12 - 4 * (copy[0]! & 0x0f);
    segment.lastTimestamp = readTimestamp(copy);
    segment.lastSentAt = now;
    const wire = segment.srtp === undefined ? copy : segment.srtp.protectRtp(copy);
    if (wire !== undefined) this.rtp.send(wire);
  }

  /** Closes the current segment (its counts move to the recording's totals); nothing is sent until the next begin. */
  end(): void {
    clearInterval(this.reportTimer);
    this.reportTimer = undefined;
    const segment = this.segment;
    if (segment === undefined) return;
    this.sentBefore += segment.sent;
    this.ackedBefore += ackedIn(segment);
    this.segment = undefined;
  }

  get active(): boolean {
    return this.segment !== undefined;
  }

  /** RTP packets sent to recorders on this stream, all segments. */
  get sent(): number {
    return this.sentBefore + (this.segment?.sent ?? 0);
  }

  /** Packets the recorders acknowledged by RTCP receiver reports, all segments. */
  get acked(): number {
    return this.ackedBefore + (this.segment === undefined ? 0 : ackedIn(this.segment));
  }

  /** Whether the current recorder has sent RTCP for this segment: only then is it judged by RTCP. */
  get reportsSeen(): boolean {
    return this.segment?.rtcpAt !== undefined;
  }

  get lastRtcpAt(): number | undefined {
    return this.segment?.rtcpAt;
  }

  /** When the oldest packet not yet acknowledged was sent (undefined: none, or no report yet). */
  firstUnackedSentAt(): number | undefined {
    const segment = this.segment;
    if (segment?.report === undefined) return undefined;
    return sentTime(segment, segment.report.highest + 1 - segment.firstSeq);
  }

  /** Send time of the highest packet the recorder acknowledged in this segment. */
  lastAckedSentAt(): number | undefined {
    const segment = this.segment;
    if (segment?.report === undefined) return undefined;
    return sentTime(segment, segment.report.highest - segment.firstSeq) ?? segment.report.advancedAt;
  }

  /** Send time of the last packet sent before `time` in this segment. */
  lastSentBefore(time: number): number | undefined {
    const segment = this.segment;
    if (segment === undefined) return undefined;
    for (let i = segment.sent - 1; i >= 0 && i >= segment.sent - HISTORY; i--) {
      const at = segment.sentAt[i % HISTORY]!;
      if (at < time) return at;
    }
    return undefined;
  }

  /** Has the recorder acknowledged the last packet sent (or is nothing outstanding)? */
  get coversLastSent(): boolean {
    const segment = this.segment;
    if (segment === undefined || segment.sent === 0) return true;
    return segment.report !== undefined && segment.report.highest >= segment.firstSeq + segment.sent - 1;
  }

  close(): void {
    if (this.closed) return;
    this.end();
    this.closed = true;
    closeQuietly(this.rtp);
    if (this.rtcp !== undefined) closeQuietly(this.rtcp);
    this.pool.release(this.localPort, this.rtcp !== undefined);
  }

  /**
   * RFC 3550 §6.4.1: the SR's sender info — "NTP timestamp: Indicates the wallclock time ... when
   * this report was sent", "RTP timestamp: Corresponds to the same time as the NTP timestamp
   * (above), but in the same units and with the same random offset as the RTP timestamps in data
   * packets", "sender's packet count", "sender's octet count" — followed by an SDES CNAME (§6.1:
   * "An SDES packet containing a CNAME item MUST be included in each compound RTCP packet").
   * §6.3.8: a participant that sent no RTP in the last two intervals is no longer a sender, so
   * nothing is sent while paused (there is no reception to report either).
   */
  private sendReport(): void {
    const segment = this.segment;
    if (segment === undefined || this.closed || segment.sent === 0) return;
    const now = Date.now();
    if (now - segment.lastSentAt > 2 * SENDER_REPORT_INTERVAL_MS) return;
    const elapsed = Math.round(((now - segment.lastSentAt) * segment.clockRate) / 1000);
    const plain = Buffer.concat([
      serializeRtcpPacket({
        type: "sr",
        ssrc: segment.ssrc,
        ntpTimestamp: ntpTimestamp(now),
        rtpTimestamp: (segment.lastTimestamp + elapsed) >>> 0,
        packetCount: segment.sent,
        octetCount: segment.octets,
        reports: [],
      }),
      serializeSdesCname(segment.ssrc, this.cname),
    ]);
    const compound = segment.srtp === undefined ? plain : segment.srtp.protectRtcp(plain);
    if (compound === undefined) return;
    // Errors (no route, ICMP) are the loss watch's business, noticed on the RTP socket.
    if (this.rtcp !== undefined)
      this.rtcp.send(compound, segment.remote.rtcpPort, segment.remote.address, () => undefined);
    // RFC 5761 §4: multiplexed, RTCP goes on the RTP port (the socket is connected there).
    else if (segment.remote.rtcpMux === true) this.rtp.send(compound, () => undefined);
    // Our RTCP port could not be taken back for a recorder that does not multiplex: no SR.
    else return;
    this.senderReports++;
  }

  private onSocketError(error: Error): void {
    // RFC 1122 §4.1.3.3: "UDP MUST pass to the application layer all ICMP error messages that it
    // receives from the IP layer"; Node does so for connected sockets as ECONNREFUSED.
    if ((error as NodeJS.ErrnoException).code === "ECONNREFUSED" && this.segment !== undefined)
      this.onUnreachable(error);
  }

  /**
   * RFC 3550 §6.4.2: "The format of the receiver report (RR) packet is the same as that of the
   * SR packet except that the packet type field contains the constant 201 and the five words of
   * sender information are omitted". Only blocks about this segment's SSRC, from the recorder's
   * address, count.
   */
  private onRtcp(received: Buffer, from: dgram.RemoteInfo): void {
    const segment = this.segment;
    if (segment === undefined || from.address !== segment.remote.address) return;
    // RFC 3711 §3.4: on an SRTP stream the recorder's reports are SRTCP; one that does not
    // authenticate is dropped like any other stranger's packet.
    const packet = segment.srtp === undefined ? received : segment.srtp.unprotectRtcp(received);
    if (packet === undefined) return;
    if (packet.length < 8 || packet[0]! >> 6 !== 2 || packet[1]! < 200 || packet[1]! > 204) return;
    let packets;
    try {
      packets = parseRtcpCompound(packet);
    } catch {
      return;
    }
    const now = Date.now();
    let seen = false;
    for (const rtcp of packets) {
      if (rtcp.type !== "rr" && rtcp.type !== "sr") continue;
      seen = true;
      for (const block of rtcp.reports) {
        if (block.ssrc !== segment.ssrc) continue;
        const previous = segment.report;
        if (previous === undefined || block.highestSequence > previous.highest) {
          segment.report = { highest: block.highestSequence, lost: block.cumulativeLost, advancedAt: now };
        } else if (block.highestSequence === previous.highest) previous.lost = block.cumulativeLost;
      }
    }
    if (!seen) return;
    segment.rtcpAt = now;
    this.onReport();
  }
}

/** 64-bit NTP time (RFC 3550 §4: seconds since 1900 in the high word, the fraction in the low). */
export function ntpTimestamp(unixMs: number): bigint {
  const seconds = BigInt(Math.floor(unixMs / 1000)) + NTP_UNIX_OFFSET_S;
  const fraction = BigInt(Math.round(((unixMs % 1000) / 1000) * 2 ** 32)) & 0xffff_ffffn;
  return (seconds << 32n) | fraction;
}

function sameInbound(a: SrtpPolicy | undefined, b: SrtpPolicy): boolean {
  return (
    a !== undefined &&
    a.suite === b.suite &&
    a.masterKey.equals(b.masterKey) &&
    a.masterSalt.equals(b.masterSalt)
  );
}

/** Extended highest sequence − first sequence + 1 − cumulative lost, within what was sent. */
function ackedIn(segment: Segment): number {
  const report = segment.report;
  if (report === undefined) return 0;
  const received = report.highest - segment.firstSeq + 1 - report.lost;
  return Math.max(0, Math.min(segment.sent, received));
}

function sentTime(segment: Segment, index: number): number | undefined {
  if (index < 0 || index >= segment.sent || index < segment.sent - HISTORY) return undefined;
  return segment.sentAt[index % HISTORY];
}

function closeQuietly(socket: dgram.Socket): void {
  try {
    socket.close();
  } catch {
    // already closed
  }
}
