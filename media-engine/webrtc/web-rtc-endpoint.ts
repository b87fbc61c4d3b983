import { randomInt, randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { isIPv6 } from "node:net";
import { performance } from "node:perf_hooks";
import {
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtpPacket,
  type MediaStreamTrack,
  type RTCRtpTransceiver,
} from "werift";
import { RtpReceiverStats } from "../../protocol/rtp";
import { DtmfEventCounter } from "../rtp/dtmf-event-counter";
import type { SdpDirection } from "../../protocol/sdp";
import {
  directionReceives,
  directionSends,
  type EndpointStats,
  type MediaEndpoint,
} from "../rtp/media-endpoint";
import { buildAnswer } from "./build-answer";
import { prepareOffer, type NegotiatedCodec, type PreparedOffer } from "./prepare-offer";
import { WebRtcNegotiationError } from "./web-rtc-negotiation-error";

export interface WebRtcEndpointOptions {
  /** Address the ICE socket binds to ("127.0.0.1" in tests, "0.0.0.0" behind a 1:1 NAT). */
  bindHost: string;
  /** Address of the host candidate the browser is told to send to. */
  publicAddress: string;
  /** ICE UDP ports; any free port when absent. */
  portRange?: [number, number];
  /** 0 disables */
  inactivityTimeoutMs: number;
  /** Longest wait for candidate gathering (host candidates only, so normally a few ms). */
  gatheringTimeoutMs?: number;
}

export interface WebRtcEndpointStats extends EndpointStats {
  /** Packets handed to sendRtp but not sent: DTLS not up yet, direction, or a payload type the browser did not negotiate. */
  packetsNotSent: number;
}

type RtpListener = (packet: Buffer, endpoint: MediaEndpoint) => void;

const EMPTY: readonly never[] = [];
const STATIC_PAYLOAD_TYPE: Readonly<Record<string, number>> = { PCMU: 0, PCMA: 8 };
const CLOCK_RATE = 8000;

/**
 * One browser leg: ICE, DTLS-SRTP, rtcp-mux and BUNDLE by werift, G.711 and telephone-event only.
 * RTP is relayed as is apart from what the browser's session requires: the SSRC it was told in
 * the answer, a sequence and timestamp space that stays continuous when the other leg's source
 * changes, and the payload type numbers it negotiated.
 */
export class WebRtcEndpoint extends EventEmitter implements MediaEndpoint {
  readonly id = `webrtc-${randomUUID()}`;
  readonly kind = "webrtc";

  private readonly counters: WebRtcEndpointStats = {
    packetsIn: 0,
    bytesIn: 0,
    packetsOut: 0,
    bytesOut: 0,
    packetsDropped: 0,
    packetsNotSent: 0,
    lost: 0,
    jitterMs: 0,
    dtmfKeys: 0,
  };
  private pc: RTCPeerConnection | undefined;
  private transceiver: RTCRtpTransceiver | undefined;
  private codec: NegotiatedCodec | undefined;
  private telephoneEventPt: number | undefined;
  private readonly dtmf = new DtmfEventCounter();
  private relayTelephoneEventPt: number | undefined;
  private mid: string | undefined;
  /** What the engine wants (setDirection). */
  private direction: SdpDirection = "sendrecv";
  /** What the browser's latest offer allows, from its point of view. */
  private remoteDirection: SdpDirection = "sendrecv";
  private rtpListeners: readonly RtpListener[] = EMPTY;
  private readonly subscribedTracks = new WeakSet<MediaStreamTrack>();
  private receiver = new RtpReceiverStats();
  private receiverSsrc: number | undefined;
  private lostBefore = 0;
  private readonly origin = { sessionId: String(randomInt(1, 2 ** 47)), version: 0 };
  /** Output RTP state: the browser was promised one SSRC, whatever the other leg's sources do. */
  private inputSsrc: number | undefined;
  private seqOffset = 0;
  private timestampOffset = 0;
  private lastSeq = 0;
  private lastTimestamp = 0;
  private lastSentAt = 0;
  private inactivityTimer: NodeJS.Timeout | undefined;
  private quietSince = Date.now();
  private inactiveReported = false;
  private negotiating: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(private readonly options: WebRtcEndpointOptions) {
    super();
    if (options.inactivityTimeoutMs > 0) {
      const period = Math.min(1000, Math.max(20, Math.floor(options.inactivityTimeoutMs / 4)));
      this.inactivityTimer = setInterval(this.checkInactivity, period);
      this.inactivityTimer.unref();
    }
  }

  /** The peer connection is made by acceptOffer: which codecs werift may answer depends on the offer. */
  static async create(options: WebRtcEndpointOptions): Promise<WebRtcEndpoint> {
    return new WebRtcEndpoint(options);
  }

  get stats(): Readonly<WebRtcEndpointStats> {
    return this.counters;
  }

  /** "new" before acceptOffer, then werift's RTCPeerConnection.connectionState ("closed" once close() has taken effect). */
  get connectionState(): string {
    return this.pc?.connectionState ?? (this.closed ? "closed" : "new");
  }

  get negotiatedCodec(): NegotiatedCodec | undefined {
    return this.codec;
  }

  acceptOffer(
    offerSdp: string,
    options: { preferCodec?: string } = {},
  ): Promise<{ answerSdp: string; codec: NegotiatedCodec }> {
    return this.serialize(async () => {
      if (this.closed) throw new Error(`endpoint ${this.id} is closed`);
      if (this.pc) throw new Error("acceptOffer was already called; use updateOffer for a new offer");
      const prepared = prepareOffer(offerSdp, options);
      const pc = new RTCPeerConnection({
        codecs: {
          audio: [
            new RTCRtpCodecParameters({
              mimeType: "audio/PCMU",
              clockRate: CLOCK_RATE,
              channels: 1,
              payloadType: 0,
            }),
            new RTCRtpCodecParameters({
              mimeType: "audio/PCMA",
              clockRate: CLOCK_RATE,
              channels: 1,
              payloadType: 8,
            }),
            new RTCRtpCodecParameters({
              mimeType: "audio/telephone-event",
              clockRate: CLOCK_RATE,
              channels: 1,
              payloadType: 101,
            }),
          ],
          video: [],
        },
        headerExtensions: { audio: [], video: [] },
        iceServers: [],
        // Host candidates on publicAddress only: werift would otherwise offer every interface of
        // the machine (docker bridges, VPNs) and ask a STUN server on the internet.
        iceUseIpv4: false,
        iceUseIpv6: false,
        iceUseTcp: false,
        iceAdditionalHostAddresses: [this.options.publicAddress],
        iceInterfaceAddresses: isIPv6(this.options.bindHost)
          ? { udp6: this.options.bindHost }
          : { udp4: this.options.bindHost },
        icePortRange: this.options.portRange,
      });
      this.pc = pc;
      pc.onTrack.subscribe(this.subscribeTrack);
      const answerSdp = await this.negotiate(prepared);
      this.codec = prepared.codec;
      return { answerSdp, codec: prepared.codec };
    });
  }

  updateOffer(offerSdp: string): Promise<{ answerSdp: string }> {
    return this.serialize(async () => {
      if (this.closed) throw new Error(`endpoint ${this.id} is closed`);
      if (!this.pc || !this.codec) throw new Error("updateOffer before acceptOffer");
      const prepared = prepareOffer(offerSdp, {
        preferCodec: `${this.codec.encoding}/${this.codec.clockRate}`,
        requireMid: this.mid,
      });
      return { answerSdp: await this.negotiate(prepared) };
    });
  }

  /**
   * The other leg's RFC 4733 payload type when it differs from the browser's (Chrome uses 126, SIP
   * phones often 101): events are renumbered both ways. G.711 needs no mapping, its types are static.
   */
  setRelayPayloadTypes(types: { telephoneEvent?: number }): void {
    this.relayTelephoneEventPt = types.telephoneEvent;
  }

  onRtp(listener: RtpListener): () => void {
    this.rtpListeners = [...this.rtpListeners, listener];
    return () => {
      this.rtpListeners = this.rtpListeners.filter((l) => l !== listener);
    };
  }

  sendRtp(packet: Buffer): void {
    const counters = this.counters;
    const sender = this.transceiver?.sender;
    const dtls = sender?.dtlsTransport;
    if (
      this.closed ||
      !sender ||
      dtls?.state !== "connected" ||
      !directionSends(this.direction) ||
      !directionReceives(this.remoteDirection) ||
      packet.length < 12
    ) {
      counters.packetsNotSent++;
      return;
    }
    const payloadType = this.outgoingPayloadType(packet[1]! & 0x7f);
    if (payloadType === undefined) {
      counters.packetsNotSent++;
      return;
    }
    let rtp: RtpPacket;
    try {
      rtp = RtpPacket.deSerialize(packet);
    } catch {
      counters.packetsNotSent++;
      return;
    }
    const header = rtp.header;
    const now = performance.now();
    if (header.ssrc !== this.inputSsrc) {
      if (this.inputSsrc !== undefined) {
        // A new source (transfer, re-INVITE on the other leg) continues the browser's stream
        // where the last one stopped, advanced by the time that passed, so its jitter buffer
        // sees neither a jump back nor a burst of loss.
        const elapsed = Math.max(1, Math.round(((now - this.lastSentAt) * CLOCK_RATE) / 1000));
        this.seqOffset = (this.lastSeq + 1 - header.sequenceNumber) & 0xffff;
        this.timestampOffset = (this.lastTimestamp + elapsed - header.timestamp) >>> 0;
      }
      this.inputSsrc = header.ssrc;
    }
    header.ssrc = sender.ssrc;
    header.payloadType = payloadType;
    header.sequenceNumber = (header.sequenceNumber + this.seqOffset) & 0xffff;
    header.timestamp = (header.timestamp + this.timestampOffset) >>> 0;
    // No header extension was negotiated, so none may be sent.
    header.extension = false;
    header.extensions = [];
    this.lastSeq = header.sequenceNumber;
    this.lastTimestamp = header.timestamp;
    this.lastSentAt = now;
    // The sender's own sendRtp would force every packet to the first codec's payload type and so
    // turn DTMF events into noise; the DTLS transport encrypts and sends exactly this header.
    dtls.sendRtp(rtp.payload, header).catch(() => {});
    counters.packetsOut++;
    counters.bytesOut += packet.length;
  }

  setDirection(direction: SdpDirection): void {
    if (!directionReceives(this.direction) && directionReceives(direction)) this.restartQuietPeriod();
    this.direction = direction;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.inactivityTimer) clearInterval(this.inactivityTimer);
    this.rtpListeners = EMPTY;
    const pc = this.pc;
    this.transceiver = undefined;
    if (pc) pc.close().catch(() => {});
    this.emit("closed");
  }

  /** Offers are handled one at a time: werift's signaling state machine admits no overlap. */
  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.negotiating.then(task, task);
    this.negotiating = run.catch(() => {});
    return run;
  }

  private async negotiate(prepared: PreparedOffer): Promise<string> {
    const pc = this.pc!;
    try {
      await pc.setRemoteDescription({ type: "offer", sdp: prepared.reducedSdp });
      const transceiver = pc.getTransceivers()[0];
      if (!transceiver) throw new WebRtcNegotiationError("werift created no audio transceiver");
      // A transceiver made from a remote offer starts recvonly; we always offer to send, the
      // offer's own direction then narrows the answer (RFC 3264 §6.1).
      transceiver.setDirection("sendrecv");
      await pc.setLocalDescription(await pc.createAnswer());
      await this.gatheringComplete(pc);
      if (this.closed) throw new Error(`endpoint ${this.id} closed during negotiation`);
      const local = pc.localDescription?.sdp;
      if (!local || !/^a=candidate:/m.test(local)) {
        throw new WebRtcNegotiationError("no ICE candidate could be gathered");
      }
      this.origin.version++;
      const answerSdp = buildAnswer(local, prepared, this.options.publicAddress, this.origin);
      this.transceiver = transceiver;
      this.mid = prepared.mid;
      this.telephoneEventPt = prepared.telephoneEventPayloadType;
      const receivedBefore = directionReceives(this.effectiveReceiveDirection());
      this.remoteDirection = prepared.direction;
      if (!receivedBefore && directionReceives(this.effectiveReceiveDirection())) this.restartQuietPeriod();
      return answerSdp;
    } catch (error) {
      // Back to stable, so the dialog's current session stays in force after a rejected re-INVITE.
      if (!this.closed && pc.signalingState !== "stable") {
        await pc.setLocalDescription({ type: "rollback" }).catch(() => {});
      }
      if (error instanceof WebRtcNegotiationError || this.closed) throw error;
      throw new WebRtcNegotiationError(`werift rejected the offer: ${(error as Error).message}`);
    }
  }

  private gatheringComplete(pc: RTCPeerConnection): Promise<void> {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe();
        reject(new WebRtcNegotiationError("ICE candidate gathering did not complete"));
      }, this.options.gatheringTimeoutMs ?? 5000);
      const { unSubscribe: unsubscribe } = pc.iceGatheringStateChange.subscribe((state) => {
        if (state !== "complete") return;
        clearTimeout(timer);
        unsubscribe();
        resolve();
      });
    });
  }

  /** Our receive direction as the browser's offer and the engine's choice together allow it. */
  private effectiveReceiveDirection(): SdpDirection {
    return directionSends(this.remoteDirection) && directionReceives(this.direction)
      ? "recvonly"
      : "inactive";
  }

  private outgoingPayloadType(payloadType: number): number | undefined {
    const codec = this.codec;
    if (!codec) return undefined;
    if (payloadType === codec.payloadType || payloadType === STATIC_PAYLOAD_TYPE[codec.encoding]) {
      return codec.payloadType;
    }
    if (this.telephoneEventPt === undefined) return undefined;
    const relay = this.relayTelephoneEventPt;
    if (relay !== undefined ? payloadType === relay : payloadType >= 96 && payloadType <= 127) {
      return this.telephoneEventPt;
    }
    return undefined;
  }

  private readonly subscribeTrack = (track: MediaStreamTrack): void => {
    if (this.subscribedTracks.has(track)) return;
    this.subscribedTracks.add(track);
    // Called from werift's socket callbacks: a throw (a malformed packet werift let through)
    // would reach them and could end the process.
    track.onReceiveRtp.subscribe((rtp) => {
      try {
        this.onBrowserRtp(rtp);
      } catch (error) {
        this.reportListenerError(error);
      }
    });
  };

  private onBrowserRtp(rtp: RtpPacket): void {
    if (this.closed) return;
    if (!directionReceives(this.effectiveReceiveDirection())) {
      this.counters.packetsDropped++;
      return;
    }
    const header = rtp.header;
    if (header.payloadType === this.telephoneEventPt && this.dtmf.observe(header.timestamp, rtp.payload))
      this.counters.dtmfKeys = this.dtmf.total;
    if (
      this.relayTelephoneEventPt !== undefined &&
      this.telephoneEventPt !== undefined &&
      header.payloadType === this.telephoneEventPt
    ) {
      header.payloadType = this.relayTelephoneEventPt;
    }
    const packet = rtp.serialize();
    this.recordReceived(packet.length, header.sequenceNumber, header.timestamp, header.ssrc);
    const listeners = this.rtpListeners;
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i]!(packet, this);
      } catch (error) {
        this.reportListenerError(error);
      }
    }
  }

  private recordReceived(length: number, seq: number, timestamp: number, ssrc: number): void {
    const counters = this.counters;
    counters.packetsIn++;
    counters.bytesIn += length;
    const now = Date.now();
    counters.lastPacketAt = now;
    this.quietSince = now;
    this.inactiveReported = false;
    if (ssrc !== this.receiverSsrc) {
      if (this.receiverSsrc !== undefined) {
        this.lostBefore += this.receiver.lost;
        this.receiver = new RtpReceiverStats();
      }
      this.receiverSsrc = ssrc;
    }
    const units = CLOCK_RATE / 1000;
    this.receiver.update(seq, timestamp, performance.now() * units);
    counters.lost = this.lostBefore + this.receiver.lost;
    counters.jitterMs = this.receiver.jitter / units;
  }

  private restartQuietPeriod(): void {
    this.quietSince = Date.now();
    this.inactiveReported = false;
  }

  private readonly checkInactivity = (): void => {
    if (this.closed || this.inactiveReported || !directionReceives(this.effectiveReceiveDirection())) return;
    if (Date.now() - this.quietSince < this.options.inactivityTimeoutMs) return;
    this.inactiveReported = true;
    // From a timer: a throwing listener would be an uncaught exception, the end of the process.
    try {
      this.emit("inactive");
    } catch (error) {
      this.reportListenerError(error);
    }
  };

  private reportListenerError(error: unknown): void {
    if (this.listenerCount("error") > 0) this.emit("error", error);
  }
}
