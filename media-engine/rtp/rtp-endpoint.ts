import { randomUUID } from "node:crypto";
import type dgram from "node:dgram";
import { EventEmitter } from "node:events";
import { performance } from "node:perf_hooks";
import { isRtpPacket, readSeq, readSsrc, readTimestamp, RtpReceiverStats } from "../../protocol/rtp";
import type { SrtpSession } from "../../protocol/srtp";
import { directionReceives, directionSends, type EndpointStats, type MediaEndpoint } from "./media-endpoint";
import type { SdpDirection } from "../../protocol/sdp";
import type { PortPool } from "../../common/rtp-port-pool";

export interface RtpEndpointOptions {
  /** e.g. "127.0.0.1" or "0.0.0.0" */
  bindHost: string;
  portPool: PortPool;
  /** 0 disables */
  inactivityTimeoutMs: number;
  /** RFC 5761: RTCP on the RTP port (then no RTCP socket) */
  rtcpMux?: boolean;
  /** for jitter, default 8000 */
  clockRate?: number;
}

type RtpListener = (packet: Buffer, endpoint: MediaEndpoint) => void;
type RtcpListener = (packet: Buffer) => void;

const EMPTY: readonly never[] = [];

/**
 * One RTP session toward one remote party, on a UDP port pair from the pool. The receive path runs
 * per packet at 50 packets/s per call, so it reads header fields in place and allocates nothing of
 * its own.
 */
export class RtpEndpoint extends EventEmitter implements MediaEndpoint {
  readonly id = `rtp-${randomUUID()}`;
  readonly kind = "rtp";
  readonly localPort: number;
  readonly localRtcpPort?: number;

  private readonly counters: EndpointStats = {
    packetsIn: 0,
    bytesIn: 0,
    packetsOut: 0,
    bytesOut: 0,
    packetsDropped: 0,
    lost: 0,
    jitterMs: 0,
  };
  private direction: SdpDirection = "sendrecv";
  /** directionSends/directionReceives of `direction`, kept so that no packet compares strings. */
  private sending = true;
  private receiving = true;
  private remoteAddress: string | undefined;
  private remotePort = 0;
  private remoteRtcpPort = 0;
  /** Whether the first packet after setRemote has fixed the remote RTP source. */
  private latched = false;
  private rtcpLatched = false;
  // Listener lists are replaced, never mutated, so a listener that unsubscribes while a packet is
  // being dispatched cannot make the loop skip or repeat another listener.
  private rtpListeners: readonly RtpListener[] = EMPTY;
  private rtcpListeners: readonly RtcpListener[] = EMPTY;
  private receiver = new RtpReceiverStats();
  private receiverSsrc: number | undefined;
  /** Loss of the SSRCs seen before the current one, so `lost` stays cumulative across a source change. */
  private lostBefore = 0;
  private readonly clockRate: number;
  private readonly msToTimestampUnits: number;
  private inactivityTimer: NodeJS.Timeout | undefined;
  /** Start of the current silence: the last accepted packet, or when receiving was last (re)started. */
  private quietSince = Date.now();
  private inactiveReported = false;
  private closed = false;
  /** SDES-SRTP on this leg (RFC 3711): what arrives is opened, what leaves is protected. */
  private srtp: SrtpSession | undefined;
  /** RTCP is taken on the RTP port too (RFC 5761): always when the endpoint has no RTCP socket. */
  private rtcpMux: boolean;

  private constructor(
    private readonly options: RtpEndpointOptions,
    private readonly rtp: dgram.Socket,
    private readonly rtcp: dgram.Socket | undefined,
    port: number,
  ) {
    super();
    this.localPort = port;
    if (rtcp) this.localRtcpPort = port + 1;
    this.rtcpMux = rtcp === undefined;
    this.clockRate = options.clockRate ?? 8000;
    this.msToTimestampUnits = this.clockRate / 1000;
    // A send error on UDP (e.g. no route) concerns one packet; without a listener it would crash
    // the process and every call in it.
    rtp.on("error", this.onSocketError);
    rtp.on("message", this.onRtpSocketMessage);
    if (rtcp) {
      rtcp.on("error", this.onSocketError);
      rtcp.on("message", this.onRtcpSocketMessage);
    }
    if (options.inactivityTimeoutMs > 0) {
      // One coarse timer per endpoint instead of one per packet: resetting a timeout 50 times a
      // second per call would cost more than the relaying itself.
      const period = Math.min(1000, Math.max(20, Math.floor(options.inactivityTimeoutMs / 4)));
      this.inactivityTimer = setInterval(this.checkInactivity, period);
      this.inactivityTimer.unref();
    }
  }

  static async create(options: RtpEndpointOptions): Promise<RtpEndpoint> {
    const rtcpMux = options.rtcpMux ?? false;
    const { port, rtp, rtcp } = await options.portPool.allocate(options.bindHost, rtcpMux);
    return new RtpEndpoint(options, rtp, rtcp, port);
  }

  get stats(): Readonly<EndpointStats> {
    return this.counters;
  }

  /**
   * Remote from SDP (c=/m=, a=rtcp). RFC 4961 "recommends using one UDP port pair for both
   * communication directions of bidirectional RTP and RTP Control Protocol (RTCP) sessions": a
   * party behind NAT is reachable only at the address its own packets come from, so the first
   * packet after this call fixes the remote to its source, whatever the SDP said. Later packets
   * from any other source are dropped, so a stray or spoofed sender cannot take over the call.
   */
  setRemote(address: string, port: number, rtcpPort?: number): void {
    if (this.closed) return;
    this.remoteAddress = address;
    this.remotePort = port;
    this.remoteRtcpPort = rtcpPort ?? port + 1;
    this.latched = false;
    this.rtcpLatched = false;
    this.counters.remote = { address, port };
    this.restartQuietPeriod();
  }

  /**
   * Turns SRTP on (or off with undefined) for this endpoint: received SRTP/SRTCP is authenticated
   * and decrypted before anyone sees it, sent RTP is protected. Listeners and the bridge only ever
   * handle plain RTP. A new session replaces the old one at once (a re-INVITE with new keys).
   */
  setSrtp(session: SrtpSession | undefined): void {
    this.srtp = session;
    this.counters.srtp =
      session === undefined ? undefined : { suite: session.suite.name, refused: session.refused };
  }

  /**
   * A re-offer with a=rtcp-mux on an endpoint that has its own RTCP port: the answer says
   * a=rtcp-mux (RFC 5761 §5.1.1), so RTCP is taken on the RTP port as well. An endpoint without an
   * RTCP port multiplexes whatever the offers say (its answers name the RTP port in a=rtcp).
   */
  setRtcpMux(mux: boolean): void {
    this.rtcpMux = mux || this.rtcp === undefined;
  }

  /** Whether RTCP is multiplexed on the RTP port. */
  get multiplexesRtcp(): boolean {
    return this.rtcpMux;
  }

  onRtp(listener: RtpListener): () => void {
    this.rtpListeners = [...this.rtpListeners, listener];
    return () => {
      this.rtpListeners = this.rtpListeners.filter((l) => l !== listener);
    };
  }

  /** RTCP packets received (raw, for later use) */
  onRtcp(listener: RtcpListener): () => void {
    this.rtcpListeners = [...this.rtcpListeners, listener];
    return () => {
      this.rtcpListeners = this.rtcpListeners.filter((l) => l !== listener);
    };
  }

  /**
   * dgram may keep a reference to `packet` until the datagram has left, so the caller must not
   * modify it afterwards (packets handed out by onRtp are never reused by this class).
   */
  sendRtp(plain: Buffer): void {
    if (this.closed || this.remoteAddress === undefined || !this.sending) return;
    const packet = this.srtp === undefined ? plain : this.srtp.protectRtp(plain);
    if (packet === undefined) return;
    this.rtp.send(packet, this.remotePort, this.remoteAddress);
    this.counters.packetsOut++;
    this.counters.bytesOut += packet.length;
  }

  setDirection(direction: SdpDirection): void {
    if (!directionReceives(this.direction) && directionReceives(direction)) this.restartQuietPeriod();
    this.direction = direction;
    this.sending = directionSends(direction);
    this.receiving = directionReceives(direction);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.inactivityTimer) clearInterval(this.inactivityTimer);
    this.rtpListeners = EMPTY;
    this.rtcpListeners = EMPTY;
    closeQuietly(this.rtp);
    if (this.rtcp) closeQuietly(this.rtcp);
    this.options.portPool.release(this.localPort, this.rtcp !== undefined);
    this.emit("closed");
  }

  private readonly onRtpSocketMessage = (received: Buffer, from: dgram.RemoteInfo): void => {
    let packet = received;
    const srtp = this.srtp;
    if (srtp !== undefined) {
      // Authenticated before it may latch the remote: a forged packet from a stranger must not
      // take the call, and a packet from a source already ruled out costs no crypto.
      if (!this.mayBeRemote(from)) {
        this.counters.packetsDropped++;
        return;
      }
      const opened = isRtpPacket(received)
        ? srtp.unprotectRtp(received)
        : this.rtcpMux && isRtcpPacket(received)
          ? srtp.unprotectRtcp(received)
          : undefined;
      if (opened === undefined) {
        this.counters.packetsDropped++;
        return;
      }
      packet = opened;
    }
    if (!this.acceptSource(from)) return;
    if (!isRtpPacket(packet)) {
      // RFC 5761 §4: "To allow this multiplexing, future RTCP packet type assignments SHOULD be
      // made after the current assignments in the range 209-223, then in the range 194-199, so
      // that only the RTP payload types in the range 64-95 are blocked." isRtpPacket has already
      // excluded that range, so a version-2 packet in it is RTCP.
      if (this.rtcpMux && isRtcpPacket(packet)) this.dispatchRtcp(packet);
      else this.counters.packetsDropped++;
      return;
    }
    if (!this.receiving) {
      this.counters.packetsDropped++;
      return;
    }
    this.recordReceived(packet);
    const listeners = this.rtpListeners;
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i]!(packet, this);
      } catch (error) {
        this.reportListenerError(error);
      }
    }
  };

  private readonly onRtcpSocketMessage = (received: Buffer, from: dgram.RemoteInfo): void => {
    if (this.remoteAddress === undefined || from.address !== this.remoteAddress) {
      this.counters.packetsDropped++;
      return;
    }
    const packet = this.srtp === undefined ? received : this.srtp.unprotectRtcp(received);
    if (packet === undefined) {
      this.counters.packetsDropped++;
      return;
    }
    if (from.port !== this.remoteRtcpPort) {
      if (this.rtcpLatched) {
        this.counters.packetsDropped++;
        return;
      }
      this.remoteRtcpPort = from.port;
    }
    this.rtcpLatched = true;
    if (!isRtcpPacket(packet)) {
      this.counters.packetsDropped++;
      return;
    }
    this.dispatchRtcp(packet);
  };

  /** Whether acceptSource could take a packet from `from`, without latching anything. */
  private mayBeRemote(from: dgram.RemoteInfo): boolean {
    if (this.remoteAddress === undefined) return false;
    return !this.latched || (from.port === this.remotePort && from.address === this.remoteAddress);
  }

  /** Symmetric RTP latching, see setRemote. */
  private acceptSource(from: dgram.RemoteInfo): boolean {
    if (this.remoteAddress === undefined) {
      // Before the SDP names a remote, any sender is a stranger: latching onto it would let
      // whoever sprays the port range first take the call.
      this.counters.packetsDropped++;
      return false;
    }
    if (from.port === this.remotePort && from.address === this.remoteAddress) {
      this.latched = true;
      return true;
    }
    if (this.latched) {
      this.counters.packetsDropped++;
      return false;
    }
    this.latched = true;
    this.remoteAddress = from.address;
    this.remotePort = from.port;
    this.counters.remote = { address: from.address, port: from.port };
    return true;
  }

  private recordReceived(packet: Buffer): void {
    const counters = this.counters;
    counters.packetsIn++;
    counters.bytesIn += packet.length;
    const now = Date.now();
    counters.lastPacketAt = now;
    this.quietSince = now;
    this.inactiveReported = false;
    const ssrc = readSsrc(packet);
    if (ssrc !== this.receiverSsrc) {
      // RFC 3550 A.1 keeps state "per source"; a new SSRC (re-INVITE, transfer, a restarted
      // phone) starts a new sequence space, so its numbers must not count as a jump in the old one.
      if (this.receiverSsrc !== undefined) {
        this.lostBefore += this.receiver.lost;
        this.receiver = new RtpReceiverStats();
      }
      this.receiverSsrc = ssrc;
    }
    const receiver = this.receiver;
    receiver.update(readSeq(packet), readTimestamp(packet), performance.now() * this.msToTimestampUnits);
    counters.lost = this.lostBefore + receiver.lost;
    // RFC 3550 §6.4.1: jitter is "an estimate of the statistical variance of the RTP data packet
    // interarrival time, measured in timestamp units", hence the division by the payload clock.
    counters.jitterMs = receiver.jitter / this.msToTimestampUnits;
  }

  private dispatchRtcp(packet: Buffer): void {
    const listeners = this.rtcpListeners;
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i]!(packet);
      } catch (error) {
        this.reportListenerError(error);
      }
    }
  }

  /**
   * One faulty listener (a tap, a bridge peer) must not stop delivery to the others nor, thrown
   * from a socket callback, take the whole process down with every call in it.
   */
  private reportListenerError(error: unknown): void {
    if (this.listenerCount("error") > 0) this.emit("error", error);
  }

  private restartQuietPeriod(): void {
    this.quietSince = Date.now();
    this.inactiveReported = false;
  }

  private readonly checkInactivity = (): void => {
    if (this.closed || this.inactiveReported || !directionReceives(this.direction)) return;
    if (Date.now() - this.quietSince < this.options.inactivityTimeoutMs) return;
    this.inactiveReported = true;
    // From a timer: a throwing listener would be an uncaught exception, the end of the process.
    try {
      this.emit("inactive");
    } catch (error) {
      this.reportListenerError(error);
    }
  };

  private readonly onSocketError = (): void => {};
}

/** Version 2 and a packet type in 192–223, the range RFC 5761 §4 keeps apart from RTP payload types. */
function isRtcpPacket(packet: Buffer): boolean {
  if (packet.length < 8 || packet[0]! >> 6 !== 2) return false;
  const type = packet[1]!;
  return type >= 192 && type <= 223;
}

function closeQuietly(socket: dgram.Socket): void {
  try {
    socket.close();
  } catch {
    // already closed by a failed bind or an earlier error
  }
}
