import { randomBytes } from "node:crypto";
import { MSML_CONTENT_TYPE, serializeMsmlEvent, serializeMsmlResult } from "../../protocol/msml";
import {
  Dialog,
  SipError,
  TcpTransport,
  UdpTransport,
  UserAgentCore,
  type IncomingRequest,
  type SipAddress,
} from "../../sip-core";
import {
  MediaBridge,
  PortPoolExhaustedError,
  RtpEndpoint,
  type MediaDirection,
  type MediaEndpoint,
  type PortPool,
} from "../rtp";
import type { RtpMap } from "../../protocol/sdp";
import { answerOffer, isNullAddress, parseOffer, PREFER_CODEC_HEADER, sdpBody } from "./leg-sdp";
import { RecordingManager } from "../recording/recording-manager";
import type { RecordingEvent } from "../recording/recording-session";
import { MediaLeg, MediaLegState } from "./media-leg";
import { WebRtcEndpoint, WebRtcNegotiationError } from "../webrtc";
import { executeMsml } from "./msml-executor";

export interface MediaEngineServiceOptions {
  /** Where the SIP UA listens (UDP and TCP). */
  readonly sipHost: string;
  readonly sipPort: number;
  /** Address put in SDP c= lines and Contact. */
  readonly publicAddress: string;
  /** Address RTP sockets bind to. */
  readonly rtpBindHost: string;
  readonly portPool: PortPool;
  /** ICE ports of browser legs, apart from the plain RTP pool. */
  readonly webRtcPortRange: [number, number];
  readonly inactivityTimeoutMs: number;
  readonly onError: (error: unknown) => void;
}

/** Load figure the SIP Server uses to spread calls (answered on OPTIONS). */
export const LOAD_HEADER = "X-Forkline-Load";

/**
 * The media engine's SIP side: a UAS for the SIP Server's leg dialogs (INVITE with the party's
 * SDP, re-INVITE for hold, BYE), and an MSML interpreter on INFO (RFC 5707 §4: "MSML is carried
 * in the body of SIP INFO requests").
 */
export class MediaEngineService {
  readonly bridge = new MediaBridge();
  readonly recordings: RecordingManager;
  private readonly legs = new Map<string, MediaLeg>();
  private readonly ua: UserAgentCore;
  private closed = false;

  private constructor(
    private readonly options: MediaEngineServiceOptions,
    private readonly udp: UdpTransport,
  ) {
    this.ua = new UserAgentCore({
      userAgent: "forkline-media-engine",
      delegate: {
        handlers: {
          INVITE: (request) => this.onInvite(request),
          BYE: (request) => this.onBye(request),
          INFO: (request) => this.onInfo(request),
          OPTIONS: (request) => this.onOptions(request),
        },
        onAck: (_ack, _source, dialog) => {
          const leg = dialog === undefined ? undefined : this.legs.get(`conn:${dialog.id.localTag}`);
          if (leg?.state === MediaLegState.Early) leg.transition(MediaLegState.Confirmed);
        },
        onAckTimeout: (invite) => {
          const leg = this.legs.get(`conn:${invite.toTag}`);
          if (leg !== undefined) void this.hangUp(leg, "no ACK for the 200 to INVITE");
        },
        onError: (error) => options.onError(error),
      },
    });
    this.recordings = new RecordingManager({
      ua: this.ua,
      bridge: this.bridge,
      portPool: options.portPool,
      publicAddress: options.publicAddress,
      rtpBindHost: options.rtpBindHost,
      contact: () => this.contact(),
      legOf: (endpoint) => [...this.legs.values()].find((leg) => leg.endpoint === endpoint),
      onEvent: (event) => void this.report(event),
      onError: options.onError,
    });
  }

  /**
   * Tells the SIP Server what became of a recording, as an MSML <event> (RFC 5707 §7.4) in an
   * INFO on the recorded leg's dialog, so it can tell CTI clients.
   */
  private async report(event: RecordingEvent): Promise<void> {
    // Taken first: the session reports synchronously, right as forwarding stopped or restarted,
    // and the server dates pause intervals by it (the INFO may queue behind other work).
    const at = new Date().toISOString();
    const leg = event.session.target;
    if (leg.state === MediaLegState.Terminated) return;
    const fields = [
      { name: "recordingid", value: event.session.recordingId },
      { name: "at", value: at },
      ...(event.session.recorderUri === undefined
        ? []
        : [{ name: "recorder", value: event.session.recorderUri }]),
      ...(event.reason === undefined ? [] : [{ name: "reason", value: event.reason }]),
    ];
    const info = leg.dialog.createRequest("INFO", {
      contentType: MSML_CONTENT_TYPE,
      body: Buffer.from(
        serializeMsmlEvent({
          version: "1.1",
          name: `forkline.recording.${event.name}`,
          id: event.session.dialogId,
          fields,
        }),
        "utf8",
      ),
    });
    try {
      await this.ua.sendInDialog(leg.dialog, info);
    } catch (error) {
      this.options.onError(error);
    }
  }

  static async start(options: MediaEngineServiceOptions): Promise<MediaEngineService> {
    const udp = new UdpTransport({ host: options.sipHost, port: options.sipPort });
    const service = new MediaEngineService(options, udp);
    await service.ua.addTransport(udp);
    await service.ua.addTransport(new TcpTransport({ host: options.sipHost, port: options.sipPort }));
    return service;
  }

  get sipPort(): number {
    return this.udp.localAddress.port;
  }

  get legCount(): number {
    return this.legs.size;
  }

  leg(connId: string): MediaLeg | undefined {
    return this.legs.get(connId);
  }

  allLegs(): MediaLeg[] {
    return [...this.legs.values()];
  }

  private contact(): string {
    return `<sip:media@${formatHost(this.options.publicAddress)}:${this.sipPort}>`;
  }

  private async onInvite(request: IncomingRequest): Promise<void> {
    if (request.dialog !== undefined) {
      const recording = this.recordings.byRecorderDialog(request.dialog);
      if (recording !== undefined) return recording.answerRecorderOffer(request);
      return this.onReInvite(request);
    }
    const offer = parseOffer(request.message.body, request.message.headers.get("Content-Type"));
    const audio = offer.media.find((m) => m.media === "audio" && m.port !== 0);
    if (audio !== undefined && /SAVPF$/i.test(audio.protocol)) return this.onWebRtcInvite(request);
    let endpoint: RtpEndpoint;
    try {
      endpoint = await RtpEndpoint.create({
        bindHost: this.options.rtpBindHost,
        portPool: this.options.portPool,
        inactivityTimeoutMs: this.options.inactivityTimeoutMs,
      });
    } catch (error) {
      if (error instanceof PortPoolExhaustedError) {
        throw new SipError(503, "No RTP ports left", { "Retry-After": "5" });
      }
      throw error;
    }
    try {
      const sessionId = String(BigInt(`0x${randomBytes(6).toString("hex")}`));
      const negotiated = answerOffer(offer, {
        address: this.options.publicAddress,
        port: endpoint.localPort,
        sessionId,
        version: 1,
        preferCodec: request.message.headers.get(PREFER_CODEC_HEADER),
      });
      if (request.cancelled) throw new SipError(487, "Request Terminated");
      this.applyRemote(endpoint, negotiated.remote, negotiated.direction);
      this.answerLeg(request, endpoint, sdpBody(negotiated.answer), negotiated.codec, sessionId);
    } catch (error) {
      endpoint.close();
      throw error;
    }
  }

  /** A browser leg: ICE, DTLS-SRTP and rtcp-mux by werift, G.711 only (no transcoding). */
  private async onWebRtcInvite(request: IncomingRequest): Promise<void> {
    const endpoint = await WebRtcEndpoint.create({
      bindHost: this.options.rtpBindHost,
      publicAddress: this.options.publicAddress,
      portRange: this.options.webRtcPortRange,
      inactivityTimeoutMs: this.options.inactivityTimeoutMs,
    });
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
      if (request.cancelled) throw new SipError(487, "Request Terminated");
      const sessionId = String(BigInt(`0x${randomBytes(6).toString("hex")}`));
      this.answerLeg(request, endpoint, negotiated.answerSdp, negotiated.codec, sessionId);
    } catch (error) {
      endpoint.close();
      throw error;
    }
  }

  /** 200 with the SDP answer; the dialog and the leg exist from then, and RTP inactivity ends the leg. */
  private answerLeg(
    request: IncomingRequest,
    endpoint: MediaEndpoint,
    answer: string | Buffer,
    codec: RtpMap,
    sessionId: string,
  ): void {
    const response = request.createResponse(200, {
      headers: { Contact: this.contact() },
      body: answer,
      contentType: "application/sdp",
    });
    const dialog = Dialog.createAsUas(request.message, response, request.source);
    const leg = new MediaLeg(`conn:${request.toTag}`, dialog, endpoint, codec, sessionId);
    this.legs.set(leg.connId, leg);
    this.ua.registerDialog(dialog);
    endpoint.on("inactive", () => void this.hangUp(leg, "RTP inactivity"));
    request.send(response);
  }

  /** Hold, resume or a new remote address (RFC 3264 §8): same port, new version. */
  private async onReInvite(request: IncomingRequest): Promise<void> {
    const leg = this.legs.get(`conn:${request.dialog!.id.localTag}`);
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
        headers: { Contact: this.contact() },
        body: answer,
        contentType: "application/sdp",
      });
      return;
    }
    const offer = parseOffer(request.message.body, request.message.headers.get("Content-Type"));
    const negotiated = answerOffer(offer, {
      address: this.options.publicAddress,
      port: (leg.endpoint as RtpEndpoint).localPort,
      sessionId: leg.sessionId,
      version: leg.sdpVersion + 1,
      preferCodec: leg.codec.encoding,
    });
    leg.sdpVersion += 1;
    this.applyRemote(leg.endpoint as RtpEndpoint, negotiated.remote, negotiated.direction);
    request.reply(200, {
      headers: { Contact: this.contact() },
      body: sdpBody(negotiated.answer),
      contentType: "application/sdp",
    });
  }

  private applyRemote(
    endpoint: RtpEndpoint,
    remote: { address: string; port: number; rtcpPort?: number },
    direction: MediaDirection,
  ): void {
    if (!isNullAddress(remote.address)) endpoint.setRemote(remote.address, remote.port, remote.rtcpPort);
    endpoint.setDirection(isNullAddress(remote.address) ? "inactive" : direction);
  }

  private onBye(request: IncomingRequest): void {
    const recording =
      request.dialog === undefined ? undefined : this.recordings.byRecorderDialog(request.dialog);
    if (recording !== undefined) {
      request.reply(200);
      recording.recorderHungUp();
      return;
    }
    const leg =
      request.dialog === undefined ? undefined : this.legs.get(`conn:${request.dialog.id.localTag}`);
    if (leg === undefined) throw new SipError(481, "Call/Transaction Does Not Exist");
    this.release(leg);
    request.reply(200);
  }

  private onInfo(request: IncomingRequest): void {
    if (request.dialog === undefined) throw new SipError(481, "MSML needs a dialog with the media engine");
    const type = request.message.headers.get("Content-Type") ?? "";
    if (!type.toLowerCase().startsWith(MSML_CONTENT_TYPE)) {
      throw new SipError(415, "Unsupported Media Type", { Accept: MSML_CONTENT_TYPE });
    }
    const result = executeMsml(
      {
        bridge: this.bridge,
        recordings: this.recordings,
        leg: (id) => this.legs.get(id),
        legs: () => this.legs.values(),
      },
      request.message.body,
    );
    request.reply(200, { body: serializeMsmlResult(result), contentType: MSML_CONTENT_TYPE });
  }

  private onOptions(request: IncomingRequest): void {
    const pool = this.options.portPool;
    request.reply(200, {
      headers: {
        Allow: "INVITE, ACK, CANCEL, BYE, INFO, OPTIONS",
        Accept: `application/sdp, ${MSML_CONTENT_TYPE}`,
        [LOAD_HEADER]: `legs=${this.legs.size};ports=${pool.inUse}/${pool.capacity}`,
      },
    });
  }

  /** The media engine ends a leg itself (RTP timeout, no ACK): BYE tells the SIP Server why. */
  private async hangUp(leg: MediaLeg, why: string): Promise<void> {
    if (leg.state === MediaLegState.Terminated) return;
    this.release(leg);
    const bye = leg.dialog.createRequest("BYE", { headers: { Reason: `SIP;cause=408;text="${why}"` } });
    try {
      await this.ua.sendInDialog(leg.dialog, bye);
    } catch (error) {
      this.options.onError(error);
    }
  }

  private release(leg: MediaLeg): void {
    if (leg.state === MediaLegState.Terminated) return;
    void this.recordings.legReleased(leg);
    leg.transition(MediaLegState.Terminated);
    this.legs.delete(leg.connId);
    this.bridge.unjoinAll(leg.endpoint);
    leg.endpoint.close();
    leg.dialog.terminate();
    this.ua.forgetDialog(leg.dialog);
  }

  /** Peer address of a leg's SIP dialog, for logs and metrics. */
  flowOf(leg: MediaLeg): SipAddress | undefined {
    return leg.dialog.flow;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.recordings.closeAll();
    for (const leg of [...this.legs.values()]) this.release(leg);
    await this.ua.close();
  }
}

function formatHost(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}
