import fs from "node:fs";
import type { IncomingMessage, Server } from "node:http";
import type { Logger } from "../../common/logger";
import { SIP_WEBSOCKET_PATH } from "../../common/sip-websocket-path";
import { MSML_CONTENT_TYPE, parseMsml } from "../../protocol/msml";
import {
  SystemClock,
  TcpTransport,
  TlsTransport,
  type SipTlsOptions,
  UdpTransport,
  UserAgentCore,
  WsTransport,
  uriDestination,
  type SipAddress,
  type WsAdmission,
} from "../../sip-core";
import { formatUriHost, parseSipUri } from "../../protocol/sip";
import type { CtiEventBus } from "../cti/cti-event-bus";
import type { ServerEnv } from "../env";
import type { Db } from "../services/db";
import { RoutingService } from "../services/calls/routing-service";
import { mayRegisterExtension } from "../services/auth/softphone-access";
import { configEvents } from "../services/config/config-events";
import { registrarCredentials } from "../services/auth/registrar-credentials";
import { RegistrationService } from "../services/registrations/registration-service";
import type { Call } from "./calls/call";
import { CallController } from "./calls/call-controller";
import type { CallStore } from "./calls/call-store";
import { MediaEnginePool } from "./media/media-engine-pool";
import { Registrar } from "./registrar";

export interface SipServerDeps {
  readonly env: ServerEnv;
  readonly db: Db;
  readonly cti: CtiEventBus;
  /** The HTTP(S) server whose /sip upgrades carry SIP over WebSocket (RFC 7118). */
  readonly httpServer: Server;
  readonly onError: (error: unknown) => void;
  /** The server's JSON log (LOG_LEVEL): call progress at debug, restores at info. */
  readonly log: Logger;
  /** The agent logged in on a DN, for the AgentID of call events. */
  readonly agentOf: (dn: string) => string | null;
  /** Who may open a SIP WebSocket (the signed-in web user); without it anyone may. */
  readonly admitWebSocket?: (request: IncomingMessage) => Promise<WsAdmission>;
  /** Where established calls are kept across a restart (none: calls end with the process). */
  readonly callStore?: CallStore;
}

/**
 * The SIP side of the server: UDP and TCP on SIP_PORT, WebSocket at /sip on the HTTP port; the
 * registrar, the B2BUA and the media engine pool on one UA core.
 */
export class SipServer {
  readonly ua: UserAgentCore;
  readonly registrar: Registrar;
  readonly media: MediaEnginePool;
  readonly calls: CallController;
  private readonly udp: UdpTransport;
  private readonly ws: WsTransport;
  private readonly configWatch = new AbortController();
  /** Adopted calls a party of which was lost in the restart, ended once the server listens. */
  private unreachable: Call[] = [];

  private constructor(private readonly deps: SipServerDeps) {
    const { env } = deps;
    const clock = new SystemClock();
    this.registrar = new Registrar({
      realm: env.SIP_REALM,
      clock,
      // A DN's own password, or a short-lived credential the server gave its signed-in user.
      store: registrarCredentials(deps.db, env.SIP_REALM),
      // Bindings are saved, so a restarted server still reaches every UDP phone at once.
      bindings: new RegistrationService(deps.db),
      // A WebSocket flow belongs to the signed-in user who opened it; UDP and TCP phones and
      // trunks are trusted on their digest credentials alone.
      mayBind: async (aor, source) => {
        const owner = source.connectionId === undefined ? undefined : this.ws.ownerOf(source.connectionId);
        return owner === undefined ? null : mayRegisterExtension(deps.db, owner, aor);
      },
    });
    this.ua = new UserAgentCore({
      clock,
      userAgent: "forkline-sip-server",
      delegate: {
        handlers: {
          REGISTER: (request) => this.registrar.handleRegister(request),
          INVITE: (request) => this.calls.onInvite(request),
          BYE: (request) => this.calls.onBye(request),
          REFER: (request) => this.calls.onRefer(request),
          INFO: (request) => {
            // Media engines report recording progress as MSML <event> (RFC 5707 §7.4) in INFO.
            const type = request.message.headers.get("Content-Type") ?? "";
            if (request.dialog !== undefined && type.toLowerCase().startsWith(MSML_CONTENT_TYPE)) {
              const document = parseMsml(request.message.body);
              if (document.type === "event") this.calls.onMediaEvent(request.dialog, document);
            }
            request.reply(200);
          },
        },
        onAck: (_ack, _source, dialog) => this.calls.onAck(dialog),
        onAckTimeout: (invite) => this.calls.onAckTimeout(invite),
        onCancel: (invite) => this.calls.onCancel(invite),
        onError: deps.onError,
      },
    });
    this.udp = new UdpTransport({ host: env.SIP_HOST, port: env.SIP_PORT });
    this.ws = new WsTransport({
      server: deps.httpServer,
      path: SIP_WEBSOCKET_PATH,
      ...(deps.admitWebSocket === undefined ? {} : { admit: deps.admitWebSocket }),
      // A browser tab closed: its bindings go at once, not when they expire, so calls to the
      // extension are not sent to a connection that is gone; its calls end (no way to reach it).
      onConnectionClosed: (connectionId) => {
        this.registrar.removeFlow(connectionId);
        this.calls.endCallsOnConnection(connectionId).catch(deps.onError);
      },
    });
    const contact = `<sip:forkline@${formatUriHost(env.PUBLIC_IP)}:${env.SIP_PORT}>`;
    this.media = new MediaEnginePool(this.ua, env.mediaEngineUris, {
      from: `<sip:forkline@${formatUriHost(env.PUBLIC_IP)}>`,
      contact,
      // The legs of the calls this server took up after a restart stay; an engine releases the
      // other legs a previous server left behind.
      ownedLegs: (engineUri) => this.calls.legsOn(engineUri),
      ...(env.MEDIA_ENGINE_SECRET === undefined ? {} : { secret: env.MEDIA_ENGINE_SECRET }),
    });
    this.calls = new CallController({
      ua: this.ua,
      media: this.media,
      registrar: this.registrar,
      routing: new RoutingService(deps.db),
      cti: deps.cti,
      contactFor: (source) => this.contactFor(source),
      routeTimeoutMs: env.ROUTE_TIMEOUT_MS,
      agentOf: deps.agentOf,
      onError: deps.onError,
      log: deps.log,
      ...(deps.callStore === undefined ? {} : { store: deps.callStore }),
    });
    this.registrar.on((event) => {
      deps.cti.publish({
        event: event.type === "registered" ? "EventRegistered" : "EventUnregistered",
        thisDn: event.aor,
        otherDn: null,
        connId: null,
        agentId: null,
        referenceId: null,
        userData: event.type === "registered" ? { contact: event.binding.contact } : { reason: event.reason },
      });
    });
  }

  /**
   * Builds the SIP side and takes up what a previous run left (registrations, established calls),
   * without listening yet: whatever watches calls (the recording policy) subscribes first.
   */
  static async create(deps: SipServerDeps): Promise<SipServer> {
    const server = new SipServer(deps);
    const restored = await server.registrar.restore();
    if (restored > 0) deps.log.info(`${restored} registration(s) restored`);
    if (deps.callStore !== undefined) {
      const { snapshots, unreadable } = await deps.callStore.load();
      for (const { connId, problem } of unreadable)
        deps.log.warn({ connId }, `saved call ${connId} cannot be taken up (${problem}); it is dropped`);
      await deps.callStore.discard(unreadable.map((u) => u.connId));
      const { adopted, unreachable } = server.calls.adopt(snapshots);
      server.unreachable = unreachable;
      if (adopted.length > 0)
        deps.log.info(
          `${adopted.length} established call(s) taken up` +
            (unreachable.length > 0
              ? `, ${unreachable.length} of them to end (a party's connection is gone)`
              : ""),
        );
    }
    return server;
  }

  /** Opens the SIP transports and starts the media engine keep-alives; then ends the adopted calls that cannot go on. */
  async listen(): Promise<void> {
    const { env } = this.deps;
    await this.ua.addTransport(this.udp);
    await this.ua.addTransport(new TcpTransport({ host: env.SIP_HOST, port: env.SIP_PORT }));
    // With a certificate, phones and trunks reach us on SIP_TLS_PORT; without one the server
    // still connects to TLS peers (a sips: recorder's Test) from an ephemeral port.
    const tls = sipTlsOptions(env);
    await this.ua.addTransport(
      new TlsTransport({ host: env.SIP_HOST, port: tls.cert === undefined ? 0 : env.SIP_TLS_PORT, tls }),
    );
    await this.ua.addTransport(this.ws);
    this.media.start();
    void this.watchConfig();
    const unreachable = this.unreachable;
    this.unreachable = [];
    await this.calls.endUnreachable(unreachable);
  }

  private async watchConfig(): Promise<void> {
    try {
      for await (const change of configEvents.changes(this.configWatch.signal)) {
        // Only a user's binding or a DN (deleted, or no longer an extension) decides who may
        // register what; recorder and agent-login changes cannot.
        if (change.entity === "User" || change.entity === "Dn") await this.recheckWebSocketFlows();
      }
    } catch (error) {
      if (!this.configWatch.signal.aborted) this.deps.onError(error);
    }
  }

  /**
   * After a change to users or DNs, closes the softphone connections whose owner
   * may no longer register what they registered (an admin moved or removed their extension, or
   * deleted the user), rather than letting them run until their next REGISTER refresh.
   */
  async recheckWebSocketFlows(): Promise<number> {
    let closed = 0;
    for (const aor of this.registrar.registeredAors()) {
      for (const binding of this.registrar.lookup(aor)) {
        const connectionId = binding.source.connectionId;
        const owner = connectionId === undefined ? undefined : this.ws.ownerOf(connectionId);
        if (connectionId === undefined || owner === undefined) continue;
        const refusal = await mayRegisterExtension(this.deps.db, owner, aor);
        if (refusal !== null && this.ws.closeConnection(connectionId, refusal)) closed++;
      }
    }
    return closed;
  }

  /** Our Contact as the party reaches us: the WebSocket for browsers, SIP_PORT otherwise. */
  contactFor(source: SipAddress): string {
    const { env } = this.deps;
    if (source.transport === "WS" || source.transport === "WSS") {
      return `<sip:forkline@${formatUriHost(env.PUBLIC_IP)}:${env.HTTP_PORT};transport=${source.transport.toLowerCase()}>`;
    }
    // RFC 5630 §3.1.3: "transport=tls" is deprecated; a SIPS URI says TLS for every hop.
    if (source.transport === "TLS")
      return `<sips:forkline@${formatUriHost(env.PUBLIC_IP)}:${env.SIP_TLS_PORT}>`;
    return `<sip:forkline@${formatUriHost(env.PUBLIC_IP)}:${env.SIP_PORT};transport=${source.transport.toLowerCase()}>`;
  }

  /** OPTIONS to a SIP URI (a recorder's "test" button): the answer, or 408 after `timeoutMs`. */
  async probe(uri: string, timeoutMs = 3000): Promise<{ status: number; reason: string; ms: number }> {
    const started = Date.now();
    const request = this.ua.createRequest("OPTIONS", uri, {
      from: `<sip:forkline@${formatUriHost(this.deps.env.PUBLIC_IP)}>`,
      to: `<${uri}>`,
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<{ status: number; reason: string }>((resolve) => {
      timer = setTimeout(
        () => resolve({ status: 408, reason: `No answer in ${timeoutMs / 1000} s` }),
        timeoutMs,
      );
    });
    const answered = this.ua.send(request, { destination: uriDestination(parseSipUri(uri)) }).then(
      (response) => ({ status: response.status, reason: response.reason }),
      (error: unknown) => ({ status: 503, reason: (error as Error).message }),
    );
    const result = await Promise.race([answered, timeout]);
    clearTimeout(timer);
    return { ...result, ms: Date.now() - started };
  }

  async close(): Promise<void> {
    this.configWatch.abort();
    this.media.stop();
    this.registrar.close();
    await this.ua.close();
  }
}

/**
 * The certificates of SIP over TLS: SIP_TLS_CERT/KEY, else the web's TLS_CERT/KEY (none: no
 * listener for phones, only outgoing TLS); SIP_TLS_CA verifies the peers we connect to. Read once
 * at start: a missing file stops the server with its name rather than failing the first TLS call.
 */
function sipTlsOptions(env: ServerEnv): SipTlsOptions {
  const certFile = env.SIP_TLS_CERT ?? env.TLS_CERT;
  const keyFile = env.SIP_TLS_KEY ?? env.TLS_KEY;
  return {
    ...(certFile === undefined || keyFile === undefined
      ? {}
      : { cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) }),
    ...(env.SIP_TLS_CA === undefined ? {} : { ca: fs.readFileSync(env.SIP_TLS_CA) }),
  };
}
