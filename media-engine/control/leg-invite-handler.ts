import { randomBytes } from "node:crypto";
import {
  ENGINE_BOOT_HEADER,
  MEDIA_ENCRYPTION_HEADER,
  PREFER_CODEC_HEADER,
  SERVER_BOOT_HEADER,
  parseMediaEncryption,
} from "../../protocol/msml/engine-contract";
import { SrtpSession } from "../../protocol/srtp";
import type { RtpMap, SdpDirection } from "../../protocol/sdp";
import { Dialog, SipError, type IncomingRequest, type UserAgentCore } from "../../sip-core";
import {
  EnginePortPool,
  EnginePortsExhaustedError,
  PortPoolExhaustedError,
  RtpEndpoint,
  type MediaEndpoint,
  type PortPool,
  type WebRtcPort,
} from "../rtp";
import { WebRtcEndpoint, WebRtcNegotiationError } from "../webrtc";
import { contain, type ErrorSink } from "./contain";
import type { Logger } from "../../common/logger";
import {
  answerOffer,
  isNullAddress,
  offersRtcpMux,
  parseOffer,
  sameKey,
  sdpBody,
  type LegSrtpKeys,
} from "./leg-sdp";
import { MediaLeg, MediaLegState } from "./media-leg";
import type { MediaLegRegistry } from "./media-leg-registry";

export interface LegInviteHandlerDeps {
  readonly ua: UserAgentCore;
  readonly legs: MediaLegRegistry;
  readonly publicAddress: string;
  readonly rtpBindHost: string;
  readonly portPool: PortPool;
  /**
   * Browsers' ICE ports apart from the pool (tests); absent, they come from the pool, which must
   * then be an EnginePortPool (one range for both, see there).
   */
  readonly webRtcPortRange?: [number, number];
  readonly inactivityTimeoutMs: number;
  /** X-Forkline-Boot, on every 200 to INVITE. */
  readonly bootId: string;
  readonly errors: ErrorSink;
  readonly log: Logger;
  contact(): string;
  /** The engine is shutting down: no new legs. */
  closed(): boolean;
}

const RTP_INACTIVITY = { cause: 408, text: "RTP inactivity" };

/**
 * werift binds the first free port of a range of at least two: the pool's port comes first and is
 * kept free for it, so werift binds it unless another process took it in between.
 */
function iceRange(port: number): [number, number] {
  return port < 65535 ? [port, port + 1] : [port - 1, port];
}

/** 503 for a leg the engine has no port for, with the pool's reason when it gives one. */
function noPorts(error: PortPoolExhaustedError): SipError {
  const reason = error instanceof EnginePortsExhaustedError ? error.reason : "No RTP ports left";
  return new SipError(503, reason, { "Retry-After": "5" });
}

/**
 * The SIP Server's INVITEs for legs: plain RTP or WebRTC endpoint, SDP answer, dialog. Every
 * path that fails after the endpoint was allocated closes it, so its ports go back to the pool.
 */
export class LegInviteHandler {
  constructor(private readonly deps: LegInviteHandlerDeps) {}

  /** A new leg's INVITE, or a re-INVITE on one (the recorders' re-INVITEs are not for us). */
  async onInvite(request: IncomingRequest): Promise<void> {
    if (request.dialog !== undefined) return this.onReInvite(request);
    const offer = parseOffer(request.message.body, request.message.headers.get("Content-Type"));
    const audio = offer.media.find((m) => m.media === "audio" && m.port !== 0);
    if (audio !== undefined && /SAVPF$/i.test(audio.protocol)) return this.onWebRtcInvite(request);
    const encryption = parseMediaEncryption(request.message.headers.get(MEDIA_ENCRYPTION_HEADER));
    if (encryption === undefined)
      throw new SipError(400, `Bad ${MEDIA_ENCRYPTION_HEADER} (off, optional, required)`);
    let endpoint: RtpEndpoint;
    try {
      endpoint = await RtpEndpoint.create({
        bindHost: this.deps.rtpBindHost,
        portPool: this.deps.portPool,
        inactivityTimeoutMs: this.deps.inactivityTimeoutMs,
        // RFC 5761 §5.1.1: a peer that offers a=rtcp-mux is answered with it (createAnswer), so the
        // leg needs no RTCP port: one port instead of two.
        rtcpMux: offersRtcpMux(offer),
      });
    } catch (error) {
      if (error instanceof PortPoolExhaustedError) throw noPorts(error);
      throw error;
    }
    try {
      const sessionId = String(BigInt(`0x${randomBytes(6).toString("hex")}`));
      const negotiated = answerOffer(offer, {
        address: this.deps.publicAddress,
        port: endpoint.localPort,
        sessionId,
        version: 1,
        preferCodec: request.message.headers.get(PREFER_CODEC_HEADER),
        encryption,
      });
      this.refuseIfGone(request);
      if (negotiated.srtp !== undefined) endpoint.setSrtp(new SrtpSession(negotiated.srtp));
      this.applyRemote(endpoint, negotiated.remote, negotiated.direction);
      const leg = this.answerLeg(request, endpoint, sdpBody(negotiated.answer), negotiated.codec, sessionId);
      leg.encryption = encryption;
      leg.srtpKeys = negotiated.srtp;
    } catch (error) {
      endpoint.close();
      // §9.2: the UA core answered the cancelled INVITE 487 already; what failed since is moot.
      if (request.cancelled) return;
      throw error;
    }
  }

  /** A browser leg: ICE, DTLS-SRTP and rtcp-mux by werift, G.711 only (no transcoding). */
  private async onWebRtcInvite(request: IncomingRequest): Promise<void> {
    let port: WebRtcPort | undefined;
    if (this.deps.webRtcPortRange === undefined) {
      const pool = this.deps.portPool;
      if (!(pool instanceof EnginePortPool)) throw new Error("no port range for WebRTC legs");
      try {
        port = await pool.allocateWebRtc(this.deps.rtpBindHost);
      } catch (error) {
        if (error instanceof PortPoolExhaustedError) throw noPorts(error);
        throw error;
      }
    }
    const endpoint = await WebRtcEndpoint.create({
      bindHost: this.deps.rtpBindHost,
      publicAddress: this.deps.publicAddress,
      portRange: port === undefined ? this.deps.webRtcPortRange! : iceRange(port.port),
      inactivityTimeoutMs: this.deps.inactivityTimeoutMs,
    });
    if (port !== undefined) endpoint.once("closed", port.release);
    try {
      let negotiated: Awaited<ReturnType<WebRtcEndpoint["acceptOffer"]>>;
      try {
        const prefer = request.message.headers.get(PREFER_CODEC_HEADER);
        negotiated = await endpoint.acceptOffer(
          request.message.body.toString("utf8"),
          prefer === undefined ? {} : { preferCodec: prefer },
        );
      } catch (error) {
        if (error instanceof WebRtcNegotiationError) throw new SipError(488, error.message.slice(0, 100));
        throw error;
      }
      this.refuseIfGone(request);
      const sessionId = String(BigInt(`0x${randomBytes(6).toString("hex")}`));
      this.answerLeg(request, endpoint, negotiated.answerSdp, negotiated.codec, sessionId);
    } catch (error) {
      endpoint.close();
      // §9.2: the UA core answered the cancelled INVITE 487 already; what failed since is moot.
      if (request.cancelled) return;
      throw error;
    }
  }

  /**
   * The endpoint was allocated while we waited: the INVITE may have been cancelled (§9.2: the UA
   * core has answered 487 already) or the engine may be closing. Either way the caller closes
   * the endpoint, so its ports go back to the pool.
   */
  private refuseIfGone(request: IncomingRequest): void {
    if (request.cancelled) throw new SipError(487, "Request Terminated");
    if (this.deps.closed()) throw new SipError(503, "Service Unavailable", { "Retry-After": "5" });
  }

  /**
   * 200 with the SDP answer; the dialog and the leg exist from then, and RTP inactivity ends the
   * leg. The leg is registered only once the 200 went out: if sending throws, the caller closes
   * the endpoint and nothing is left that would hold it.
   */
  private answerLeg(
    request: IncomingRequest,
    endpoint: MediaEndpoint,
    answer: string | Buffer,
    codec: RtpMap,
    sessionId: string,
  ): MediaLeg {
    const response = request.createResponse(200, {
      headers: { Contact: this.deps.contact(), [ENGINE_BOOT_HEADER]: this.deps.bootId },
      body: answer,
      contentType: "application/sdp",
    });
    const dialog = Dialog.createAsUas(request.message, response, request.source);
    const serverBoot = request.message.headers.get(SERVER_BOOT_HEADER)?.trim() || undefined;
    const connId = `conn:${request.toTag}`;
    const log = this.deps.log.child({ connId });
    const leg = new MediaLeg(connId, dialog, endpoint, codec, sessionId, log, serverBoot);
    request.send(response);
    this.deps.legs.add(leg);
    this.deps.ua.registerDialog(dialog);
    // Both fire from the endpoint's timer or socket callbacks, where a throw would end the process.
    endpoint.on("inactive", () =>
      contain(this.deps.errors, this.deps.legs.hangUp(leg, RTP_INACTIVITY), "leg_hangup", leg.connId),
    );
    endpoint.on("error", (error: unknown) => this.deps.errors.report("media_endpoint", error, leg.connId));
    const srtp = endpoint.stats.srtp === undefined ? "" : `, SRTP ${endpoint.stats.srtp.suite}`;
    leg.log.debug(`leg opened (${endpoint.kind}, ${codec.encoding}${srtp})`);
    return leg;
  }

  /** Hold, resume or a new remote address (RFC 3264 §8): same port, new version. */
  private async onReInvite(request: IncomingRequest): Promise<void> {
    const leg = this.deps.legs.get(`conn:${request.dialog!.id.localTag}`);
    if (leg === undefined || leg.state === MediaLegState.Terminated) {
      throw new SipError(481, "Call/Transaction Does Not Exist");
    }
    if (leg.endpoint instanceof WebRtcEndpoint) {
      let answer: string;
      try {
        answer = (await leg.endpoint.updateOffer(request.message.body.toString("utf8"))).answerSdp;
      } catch (error) {
        if (error instanceof WebRtcNegotiationError) throw new SipError(488, error.message.slice(0, 100));
        throw error;
      }
      request.reply(200, {
        headers: { Contact: this.deps.contact(), [ENGINE_BOOT_HEADER]: this.deps.bootId },
        body: answer,
        contentType: "application/sdp",
      });
      return;
    }
    const offer = parseOffer(request.message.body, request.message.headers.get("Content-Type"));
    const negotiated = answerOffer(offer, {
      address: this.deps.publicAddress,
      port: (leg.endpoint as RtpEndpoint).localPort,
      sessionId: leg.sessionId,
      version: leg.sdpVersion + 1,
      preferCodec: leg.codec.encoding,
      encryption: leg.encryption,
      rtcpOnRtpPort: (leg.endpoint as RtpEndpoint).localRtcpPort === undefined,
      ...(leg.srtpKeys === undefined ? {} : { current: leg.srtpKeys }),
    });
    leg.sdpVersion += 1;
    (leg.endpoint as RtpEndpoint).setRtcpMux(offersRtcpMux(offer));
    this.applyKeys(leg.endpoint as RtpEndpoint, leg, negotiated.srtp);
    this.applyRemote(leg.endpoint as RtpEndpoint, negotiated.remote, negotiated.direction);
    request.reply(200, {
      headers: { Contact: this.deps.contact(), [ENGINE_BOOT_HEADER]: this.deps.bootId },
      body: sdpBody(negotiated.answer),
      contentType: "application/sdp",
    });
  }

  /**
   * A re-INVITE's keys (RFC 4568 §7.1.4): the same keys both ways keep the SRTP session and its
   * rollover counters and replay lists; new keys start a new one; a plain re-offer (policy
   * `optional`) turns SRTP off.
   */
  private applyKeys(endpoint: RtpEndpoint, leg: MediaLeg, keys: LegSrtpKeys | undefined): void {
    const previous = leg.srtpKeys;
    leg.srtpKeys = keys;
    if (keys === undefined) {
      if (previous !== undefined) endpoint.setSrtp(undefined);
      return;
    }
    if (sameKey(previous?.inbound, keys.inbound) && previous?.outbound === keys.outbound) return;
    endpoint.setSrtp(new SrtpSession(keys));
  }

  private applyRemote(
    endpoint: RtpEndpoint,
    remote: { address: string; port: number; rtcpPort?: number },
    direction: SdpDirection,
  ): void {
    if (!isNullAddress(remote.address)) endpoint.setRemote(remote.address, remote.port, remote.rtcpPort);
    endpoint.setDirection(isNullAddress(remote.address) ? "inactive" : direction);
  }
}
