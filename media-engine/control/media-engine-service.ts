import { randomUUID } from "node:crypto";
import {
  ENGINE_AUTH_HEADER,
  HEARTBEAT_PORT_HEADER,
  MSML_CONTENT_TYPE,
  checkEngineAuth,
  serializeMsmlResult,
} from "../../protocol/msml";
import { formatUriHost } from "../../protocol/sip";
import {
  ENGINE_BOOT_HEADER,
  LOAD_HEADER,
  OWNED_LEGS_HEADER,
  SERVER_BOOT_HEADER,
} from "../../protocol/msml/engine-contract";
import {
  SipError,
  tagOf,
  TcpTransport,
  TlsTransport,
  UdpTransport,
  UserAgentCore,
  type IncomingRequest,
  type SipAddress,
} from "../../sip-core";
import { MediaBridge, type PortPool } from "../rtp";
import { RecordingManager } from "../recording/recording-manager";
import { PlayDialogs } from "../tone/play-dialogs";
import { contain, containSync, type ErrorSink } from "./contain";
import { createLogger, type Logger } from "../../common/logger";
import { LegInviteHandler } from "./leg-invite-handler";
import type { MediaLeg } from "./media-leg";
import type { SourceGate } from "../../sip-core";
import { MediaLegRegistry, withinBudget } from "./media-leg-registry";
import { executeMsml } from "./msml-executor";
import { OrphanLegSweeper } from "./orphan-leg-sweeper";
import { HeartbeatResponder } from "./heartbeat-responder";
import { reportRecordingEvent } from "./recording-event-reporter";

export interface MediaEngineServiceOptions {
  /** Where the SIP UA listens (UDP and TCP). */
  readonly sipHost: string;
  readonly sipPort: number;
  /** Address put in SDP c= lines and Contact. */
  readonly publicAddress: string;
  /** Address RTP sockets bind to. */
  readonly rtpBindHost: string;
  readonly portPool: PortPool;
  /**
   * ICE ports of browser legs apart from the plain RTP pool (tests); absent, browser legs draw
   * from `portPool`, which must then be an EnginePortPool (the engine's one adaptive range).
   */
  readonly webRtcPortRange?: [number, number];
  readonly inactivityTimeoutMs: number;
  /** Errors of one call, contained to it: logged once with the leg, counted (ContainedErrors). */
  readonly errors: ErrorSink;
  /** The engine's own log lines (LOG_LEVEL); none when absent. */
  readonly log?: Logger;
  /** X-Forkline-Boot; drawn at random when absent. */
  readonly bootId?: string;
  /** Longest wait for the SIP Server's answers to the shutdown BYEs. */
  readonly shutdownBudgetMs?: number;
  /** Who may open legs and send out-of-dialog requests; everyone when absent (unit tests). */
  readonly gate?: SourceGate;
  /**
   * The heartbeat responder (protocol/msml/engine-heartbeat.ts), in a worker thread on the SIP
   * address: UDP `port` (0: any, announced on OPTIONS), answering `allowed` sources. None when
   * absent (engines run inside a test process, where the worker's loader is not available).
   */
  readonly heartbeat?: { readonly port: number; readonly allowed: readonly string[] };
  /** MEDIA_ENGINE_SECRET: requests outside a dialog must be signed with it; none when absent. */
  readonly secret?: string;
  /**
   * SIPREC over TLS to `sips:` recorders: the CAs their certificates must verify against (the
   * system's when absent). The engine only connects over TLS: nothing is served on its TLS port.
   */
  readonly recorderTls?: { readonly ca?: string | Buffer };
}

/** Load figure the SIP Server uses to spread calls (answered on OPTIONS); defined in the engine contract. */
export { LOAD_HEADER } from "../../protocol/msml/engine-contract";

const NO_ACK = { cause: 408, text: "no ACK for the 200 to INVITE" };
const SHUTTING_DOWN = { cause: 503, text: "media engine shutting down" };

/**
 * The media engine's SIP side: a UAS for the SIP Server's leg dialogs (INVITE with the party's
 * SDP, re-INVITE for hold, BYE), and an MSML interpreter on INFO (RFC 5707 §4: "MSML is carried
 * in the body of SIP INFO requests").
 */
export class MediaEngineService {
  readonly bridge = new MediaBridge();
  readonly recordings: RecordingManager;
  /** `<play>` dialogs: the recording notification tone in what a party hears. */
  readonly plays: PlayDialogs;
  /** Random per process: a different id from the same URI tells the SIP Server the engine restarted. */
  readonly bootId: string;
  private readonly legs: MediaLegRegistry;
  private readonly invites: LegInviteHandler;
  private readonly orphans = new OrphanLegSweeper();
  private readonly ua: UserAgentCore;
  private readonly errors: ErrorSink;
  private readonly log: Logger;
  private closed = false;
  private heartbeat: HeartbeatResponder | undefined;

  private constructor(
    private readonly options: MediaEngineServiceOptions,
    private readonly udp: UdpTransport,
  ) {
    this.errors = options.errors;
    this.log = options.log ?? createLogger("media-engine", "warn");
    this.bootId = options.bootId ?? randomUUID();
    const errors = this.errors;
    this.ua = new UserAgentCore({
      userAgent: "forkline-media-engine",
      delegate: {
        handlers: {
          INVITE: this.gated((request) => this.onInvite(request)),
          BYE: (request) => this.onBye(request),
          INFO: this.gated((request) => this.onInfo(request)),
          OPTIONS: this.gated((request) => this.onOptions(request)),
        },
        onAck: (_ack, _source, dialog) => {
          const leg = dialog === undefined ? undefined : this.legs.get(`conn:${dialog.id.localTag}`);
          if (leg !== undefined) this.legs.confirmed(leg);
        },
        // RFC 3261 §13.3.1.4: "If the server retransmits the 2xx response for 64*T1 seconds
        // without receiving an ACK, the dialog is confirmed, but the session SHOULD be
        // terminated. This is accomplished with a BYE".
        // The To tag is read from the 200 itself, which names the leg.
        onAckTimeout: (_invite, response) => {
          const leg = this.legs.get(`conn:${tagOf(response.headers.get("To") ?? "")}`);
          if (leg === undefined) return;
          contain(errors, this.legs.hangUp(leg, NO_ACK, { ackTimedOut: true }), "leg_hangup", leg.connId);
        },
        onError: (error) => errors.report("sip_stack", error),
      },
    });
    this.legs = new MediaLegRegistry({
      ua: this.ua,
      bridge: this.bridge,
      legReleased: (leg) => {
        this.plays.legReleased(leg);
        return this.recordings.legReleased(leg);
      },
      errors,
      log: this.log,
    });
    this.invites = new LegInviteHandler({
      ua: this.ua,
      legs: this.legs,
      publicAddress: options.publicAddress,
      rtpBindHost: options.rtpBindHost,
      portPool: options.portPool,
      ...(options.webRtcPortRange === undefined ? {} : { webRtcPortRange: options.webRtcPortRange }),
      inactivityTimeoutMs: options.inactivityTimeoutMs,
      bootId: this.bootId,
      errors,
      log: this.log,
      contact: () => this.contact(),
      closed: () => this.closed,
    });
    this.recordings = new RecordingManager({
      ua: this.ua,
      bridge: this.bridge,
      portPool: options.portPool,
      publicAddress: options.publicAddress,
      rtpBindHost: options.rtpBindHost,
      contact: () => this.contact(),
      legOf: (endpoint) => this.legs.byEndpoint(endpoint),
      onEvent: (event) => {
        // A tone tied to the recording must not sound while nothing is recorded.
        if (event.name === "paused" || event.name === "stopped" || event.name === "failed")
          this.plays.recordingQuiet(event.session.dialogId);
        void reportRecordingEvent(this.ua, errors, event);
      },
      onError: (error) => errors.report("recording", error),
    });
    this.plays = new PlayDialogs({
      bridge: this.bridge,
      recordingState: (dialogId) => this.recordings.stateOf(dialogId),
    });
  }

  static async start(options: MediaEngineServiceOptions): Promise<MediaEngineService> {
    const udp = new UdpTransport({ host: options.sipHost, port: options.sipPort });
    const service = new MediaEngineService(options, udp);
    await service.ua.addTransport(udp);
    await service.ua.addTransport(new TcpTransport({ host: options.sipHost, port: options.sipPort }));
    if (options.recorderTls !== undefined) {
      // An ephemeral port with no certificate: connections are opened from here, never accepted.
      await service.ua.addTransport(
        new TlsTransport({ host: options.sipHost, port: 0, tls: { ...options.recorderTls } }),
      );
    }
    if (options.heartbeat !== undefined) {
      service.heartbeat = await HeartbeatResponder.start({
        host: options.sipHost,
        port: options.heartbeat.port,
        bootId: service.bootId,
        allowed: options.heartbeat.allowed,
        onError: (error) => options.errors.report("heartbeat", error),
      });
    }
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

  /**
   * A request outside a dialog passes the source gate (SourceGate) and, with a shared secret,
   * must be signed by a SIP Server (engine-auth.ts); inside a dialog it does not.
   */
  private gated(
    handler: (request: IncomingRequest) => void | Promise<void>,
  ): (request: IncomingRequest) => void | Promise<void> {
    return (request) => {
      if (request.dialog === undefined) {
        this.options.gate?.check(request.source.host, request.message.method);
        this.checkSignature(request);
      }
      return handler(request);
    };
  }

  private authRefused = 0;

  private checkSignature(request: IncomingRequest): void {
    const secret = this.options.secret;
    if (secret === undefined) return;
    const message = request.message;
    const problem = checkEngineAuth(secret, message.headers.get(ENGINE_AUTH_HEADER), {
      method: message.method,
      callId: message.headers.get("Call-ID") ?? "",
      cseq: Number.parseInt(message.headers.get("CSeq") ?? "", 10),
    });
    if (problem === null) return;
    this.authRefused++;
    this.log.warn({ source: request.source.host, method: message.method }, `request refused: ${problem}`);
    // The reason names no secret and says nothing an outsider could use.
    throw new SipError(403, "Forbidden");
  }

  /** Requests refused before anything was opened (for /metrics). */
  get refused(): { source: number; rate: number; auth: number } {
    return { ...(this.options.gate?.refused ?? { source: 0, rate: 0 }), auth: this.authRefused };
  }

  /** Legs released as orphans of a restarted SIP Server (for /metrics). */
  /** RTP ports of the engine's range held now (legs, recording streams, browsers' ICE), and how many there are. */
  get rtpPorts(): { inUse: number; capacity: number } {
    return { inUse: this.options.portPool.inUse, capacity: this.options.portPool.capacity };
  }

  get orphansReleased(): number {
    return this.orphans.released;
  }

  private contact(): string {
    return `<sip:media@${formatUriHost(this.options.publicAddress)}:${this.sipPort}>`;
  }

  private async onInvite(request: IncomingRequest): Promise<void> {
    if (request.dialog !== undefined) {
      const recording = this.recordings.byRecorderDialog(request.dialog);
      if (recording !== undefined) return recording.answerRecorderOffer(request);
    }
    return this.invites.onInvite(request);
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
    this.legs.release(leg);
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
        plays: this.plays,
        leg: (id) => this.legs.get(id),
        legs: () => this.legs.values(),
        contain: (work, where, subject) => contain(this.errors, work, where, subject),
      },
      request.message.body,
    );
    request.reply(200, { body: serializeMsmlResult(result), contentType: MSML_CONTENT_TYPE });
  }

  /**
   * Health check and identity: the load, our boot id, and (engine-contract) the orphan sweep
   * when the SIP Server's boot id is new. Orphans are released before the load is reported, so
   * the figures the server reads already exclude them.
   */
  private onOptions(request: IncomingRequest): void {
    const headers = request.message.headers;
    const serverBoot = headers.get(SERVER_BOOT_HEADER)?.trim();
    const orphans = this.orphans.sweep(serverBoot, headers.get(OWNED_LEGS_HEADER), this.legs.values());
    for (const leg of orphans)
      containSync(this.errors, () => this.legs.release(leg), "orphan_release", leg.connId);
    if (orphans.length > 0) {
      this.log.info(
        `SIP Server boot ${serverBoot} is new: released ${orphans.length} orphan legs without BYE`,
      );
    }
    const pool = this.options.portPool;
    request.reply(200, {
      headers: {
        Allow: "INVITE, ACK, CANCEL, BYE, INFO, OPTIONS",
        Accept: `application/sdp, ${MSML_CONTENT_TYPE}`,
        [LOAD_HEADER]: `legs=${this.legs.size};ports=${pool.inUse}/${pool.capacity}`,
        [ENGINE_BOOT_HEADER]: this.bootId,
        ...(this.heartbeat === undefined ? {} : { [HEARTBEAT_PORT_HEADER]: String(this.heartbeat.port) }),
      },
    });
  }

  /** Peer address of a leg's SIP dialog, for logs and metrics. */
  flowOf(leg: MediaLeg): SipAddress | undefined {
    return leg.dialog.flow;
  }

  /**
   * Shutdown is the engine hanging up every leg at once: BYE with a 503 Reason on each, so the
   * SIP Server learns now rather than from failed health checks, and BYE to the recorders. The
   * answers are awaited at most `shutdownBudgetMs` (2 s) in all; then the UA closes.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.plays.closeAll();
    const budget = this.options.shutdownBudgetMs ?? 2000;
    await withinBudget(
      Promise.allSettled([this.legs.shutdown(SHUTTING_DOWN, budget), this.recordings.closeAll()]),
      budget,
    );
    await this.ua.close();
    await this.heartbeat?.close();
  }
}
