import type dgram from "node:dgram";
import type { PortPool } from "../rtp";
import { RecordingSegment, SENDER_REPORT_INTERVAL_MS, type RemoteMedia } from "./recording-segment";

/**
 * One recorded stream on the wire: a UDP port pair from the pool, the RTP socket connected to the
 * recorder's RTP address once known, so that an ICMP port unreachable surfaces as ECONNREFUSED
 * (the kernel reports ICMP errors only to connected UDP sockets), and the RTCP socket reading the
 * recorder's receiver reports. Each SIPREC session is a new RecordingSegment (its own SSRC,
 * sequence numbers and reports). Counters survive segments: `sent` and `acked` cover the whole
 * recording.
 */
export class RecordingStream {
  private segment: RecordingSegment | undefined;
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
    this.segment = new RecordingSegment(remote, clockRate);
  }

  /** The suite protecting the current segment, or undefined when it is plain RTP. */
  get srtpSuite(): string | undefined {
    return this.segment?.srtpSuite;
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
    segment.rekey(remote);
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
   * Hot path: the packet goes to the recorder restamped for this segment (RecordingSegment.outgoing;
   * `owned`: the caller's own buffer, restamped in place).
   */
  forward(packet: Buffer, owned = false): void {
    const segment = this.segment;
    if (segment === undefined || this.closed || this.moving) return;
    const wire = segment.outgoing(packet, owned);
    if (wire !== undefined) this.rtp.send(wire);
  }

  /** Closes the current segment (its counts move to the recording's totals); nothing is sent until the next begin. */
  end(): void {
    clearInterval(this.reportTimer);
    this.reportTimer = undefined;
    const segment = this.segment;
    if (segment === undefined) return;
    this.sentBefore += segment.sent;
    this.ackedBefore += segment.acked;
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
    return this.ackedBefore + (this.segment?.acked ?? 0);
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
    return this.segment?.firstUnackedSentAt();
  }

  /** Send time of the highest packet the recorder acknowledged in this segment. */
  lastAckedSentAt(): number | undefined {
    return this.segment?.lastAckedSentAt();
  }

  /** Send time of the last packet sent before `time` in this segment. */
  lastSentBefore(time: number): number | undefined {
    return this.segment?.lastSentBefore(time);
  }

  /** Has the recorder acknowledged the last packet sent (or is nothing outstanding)? */
  get coversLastSent(): boolean {
    return this.segment?.coversLastSent ?? true;
  }

  close(): void {
    if (this.closed) return;
    this.end();
    this.closed = true;
    closeQuietly(this.rtp);
    if (this.rtcp !== undefined) closeQuietly(this.rtcp);
    this.pool.release(this.localPort, this.rtcp !== undefined);
  }

  /** The segment's sender report (RecordingSegment.senderReport), when one is due. */
  private sendReport(): void {
    const segment = this.segment;
    if (segment === undefined || this.closed) return;
    const compound = segment.senderReport(this.cname);
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

  /** RTCP from the recorder's address (RecordingSegment.receive says whether it was a report). */
  private onRtcp(received: Buffer, from: dgram.RemoteInfo): void {
    const segment = this.segment;
    if (segment === undefined || from.address !== segment.remote.address) return;
    if (segment.receive(received)) this.onReport();
  }
}

function closeQuietly(socket: dgram.Socket): void {
  try {
    socket.close();
  } catch {
    // already closed
  }
}
