import { randomBytes } from "node:crypto";
import type { CallSide } from "../../../common/schemas/recording-schemas";
import type { MsmlEvent, MsmlPlay } from "../../../protocol/msml";
import { formatUriHost, parseNameAddr, type SipRequest, type SipResponse } from "../../../protocol/sip";
import {
  Dialog,
  DialogState,
  readTopVia,
  RequestTimeoutError,
  SipError,
  SipTransportError,
  type IncomingRequest,
  uriDestination,
  type SipAddress,
  type UserAgentCore,
} from "../../../sip-core";
import type { CtiEventBus } from "../../cti/cti-event-bus";
import type { CallOrigin, RouteDecision, RoutingService } from "../../services/calls/routing-service";
import { MediaEngineError, type MediaEnginePool, type MediaLegHandle } from "../media/media-engine-pool";
import { selectedEncoding } from "../media/selected-encoding";
import type { Registrar } from "../registrar";
import {
  controlRecordingOnEngine,
  decodeRecordingEvent,
  playToneOnEngine,
  startRecordingOnEngine,
  type RecordingEngineEvent,
  type RecordingStartRequest,
} from "../media/recording-control";
import { Call, CallState, type CallParty, type CalleeLeg } from "./call";
import { CallEvents } from "./call-events";
import { CallTransfer } from "./call-transfer";
import { reachableAfterRestart, restoreCall, snapshotCall, type CallSnapshot } from "./call-snapshot";
import type { CallStore } from "./call-store";
import { RoutingPoints, type RoutedTarget } from "./routing-points";
import type { Logger } from "../../../common/logger";

export interface CallControllerOptions {
  readonly ua: UserAgentCore;
  readonly media: MediaEnginePool;
  readonly registrar: Registrar;
  readonly routing: RoutingService;
  readonly cti: CtiEventBus;
  /** Contact of the SIP Server, per transport it was reached on. */
  contactFor(source: SipAddress): string;
  /** How long a routing point waits for a TRouteCall before its default strategy routes the call. */
  readonly routeTimeoutMs: number;
  readonly onError: (error: unknown) => void;
  /** The agent logged in on a DN (T-Library AgentID of events), or null. */
  readonly agentOf: (dn: string) => string | null;
  /** Call progress, one line per step (LOG_LEVEL=debug), each from the call's child logger. */
  readonly log: Logger;
  /** Where established calls are kept for the next run of the server (none: calls end with the process). */
  readonly store?: CallStore;
}

export type { CallSide };

export type { RecordingEngineEvent } from "../media/recording-control";

/** Hooks the recording policy (a service above the call layer) subscribes to. */
export interface CallLifecycleListener {
  established?(call: Call): void;
  released?(call: Call): void;
  /**
   * The call is being released and its media legs are about to close: the last moment to ask
   * the media engine anything about them (the recording policy stops recordings and waits for
   * the engine's final report). Awaited, so it must bound its own wait.
   */
  releasing?(call: Call): Promise<void>;
  /** A side's party changed (blind transfer): its old leg is gone, a new party stands there. */
  partyChanged?(call: Call, side: CallSide): void;
  recordingEvent?(event: RecordingEngineEvent): void;
}

/** What the supervisor page and `forkline calls` show. */
export interface CallView {
  connId: string;
  state: CallState;
  caller: CallParty;
  callee: CallParty | null;
  dialed: string;
  startedAt: Date;
  establishedAt: Date | null;
}

function newConnId(): string {
  return randomBytes(8).toString("hex");
}

/** The user part of a From/To/Request-URI, or "". */
function userOf(value: string | undefined): string {
  if (value === undefined) return "";
  try {
    return parseNameAddr(value).uri.user ?? "";
  } catch {
    return "";
  }
}

/**
 * The B2BUA: every call is two dialogs (caller ↔ SIP Server ↔ callee) and two media engine
 * legs joined by MSML. The callee is invited without SDP (RFC 3261 §13.2.1 allows an INVITE
 * without an offer: the offer then comes in the 2xx and the answer in the ACK), so its leg on
 * the media engine can be opened with the callee's own offer once it answers.
 */
export class CallController {
  private readonly calls = new Map<string, Call>();
  /** Dialog key → the call and the side it belongs to, for in-dialog requests. */
  private readonly byDialog = new Map<string, { call: Call; side: "caller" | "callee" | "media" }>();

  private readonly listeners = new Set<CallLifecycleListener>();
  /** Each call's child logger (bound to its connId), made once and gone with the call. */
  private readonly logs = new WeakMap<Call, Logger>();

  private readonly events: CallEvents;
  private readonly routingPoints: RoutingPoints;
  private readonly transfers: CallTransfer;

  private logOf(call: Call): Logger {
    let log = this.logs.get(call);
    if (log === undefined) this.logs.set(call, (log = this.options.log.child({ connId: call.connId })));
    return log;
  }

  constructor(private readonly options: CallControllerOptions) {
    this.events = new CallEvents(options.cti, options.agentOf);
    this.routingPoints = new RoutingPoints(options.routing, this.events, options.routeTimeoutMs);
    this.transfers = new CallTransfer({
      ua: options.ua,
      media: options.media,
      routing: options.routing,
      events: this.events,
      logOf: (call) => this.logOf(call),
      onError: options.onError,
      call: (connId) => this.calls.get(connId),
      ownerOf: (dialog) => this.byDialog.get(dialog.key),
      track: (dialog, call, side) => this.byDialog.set(dialog.key, { call, side }),
      untrack: (dialog) => this.byDialog.delete(dialog.key),
      calleeFor: (target) => this.calleeFor(target),
      inviteCallee: (call, callee, from) => this.inviteCallee(call, callee, from),
      bye: (dialog) => this.bye(dialog),
      closeMedia: (leg) => this.closeMedia(leg),
      persist: (call) => this.persist(call),
    });
  }

  listen(listener: CallLifecycleListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(fn: (listener: CallLifecycleListener) => void): void {
    for (const listener of this.listeners) {
      try {
        fn(listener);
      } catch (error) {
        this.options.onError(error);
      }
    }
  }

  // Recording: MSML towards the media engine that anchors the side's leg (server/sip/media/recording-control.ts)

  /**
   * Starts a SIPREC recording of one side of an established call; returns the MSML dialog id.
   * Throws MediaEngineError when there is no such call or the engine refuses.
   */
  async startRecording(connId: string, side: CallSide, request: RecordingStartRequest): Promise<string> {
    const call = this.calls.get(connId);
    if (call === undefined || call.state !== CallState.Established) {
      throw new MediaEngineError(`no established call ${connId}`, 481);
    }
    return startRecordingOnEngine(this.options.media, call, side, request);
  }

  async controlRecording(
    connId: string,
    side: CallSide,
    dialogId: string,
    action: "pause" | "resume" | "stop",
  ): Promise<void> {
    const call = this.calls.get(connId);
    const leg = call === undefined ? undefined : side === "caller" ? call.caller.media : call.callee?.media;
    if (leg === undefined || leg.closed) return;
    await controlRecordingOnEngine(this.options.media, leg, dialogId, action);
  }

  /** The recording notification tone to the parties of `sides`, sent on the `via` side's leg. */
  async playTone(connId: string, via: CallSide, sides: readonly CallSide[], play: MsmlPlay): Promise<void> {
    const call = this.calls.get(connId);
    if (call === undefined || call.state !== CallState.Established) return;
    await playToneOnEngine(this.options.media, call, via, sides, play);
  }

  /** INFO with an MSML <event> from a media engine, in one of a call's media leg dialogs. */
  onMediaEvent(dialog: Dialog, event: MsmlEvent): boolean {
    const owner = this.byDialog.get(dialog.key);
    if (owner === undefined || owner.side !== "media") return false;
    const decoded = decodeRecordingEvent(owner.call.connId, event);
    if (decoded === undefined) return false;
    this.notify((l) => l.recordingEvent?.(decoded));
    return true;
  }

  // Calls across a restart (call-snapshot.ts, ActiveCall table)

  /**
   * Takes up the calls a previous run of this server established: their dialogs answer a party's
   * BYE, re-INVITE or REFER and the media engine's INFO and BYE as before; supervisors can pause
   * and stop their recordings. Before any transport is listening. Returns the calls a party of
   * which can no longer be reached (its WebSocket closed with the old process): see endUnreachable.
   */
  adopt(snapshots: readonly CallSnapshot[]): { adopted: Call[]; unreachable: Call[] } {
    const adopted: Call[] = [];
    const unreachable: Call[] = [];
    for (const snapshot of snapshots) {
      const call = restoreCall(snapshot);
      const { caller, callee } = call;
      this.calls.set(call.connId, call);
      for (const [dialog, side] of [
        [caller.dialog!, "caller"],
        [callee!.dialog!, "callee"],
      ] as const) {
        this.options.ua.registerDialog(dialog);
        this.byDialog.set(dialog.key, { call, side });
      }
      let known = true;
      for (const media of [caller.media!, callee!.media!]) {
        known = this.options.media.adoptLeg(media) && known;
        this.byDialog.set(media.dialog.key, { call, side: "media" });
      }
      adopted.push(call);
      if (!known || !reachableAfterRestart(caller.dialog!) || !reachableAfterRestart(callee!.dialog!))
        unreachable.push(call);
    }
    return { adopted, unreachable };
  }

  /**
   * Ends adopted calls that cannot go on: a party whose connection closed with the old process
   * gets nothing (there is no way to it), the other a BYE saying why; their recordings stop.
   */
  async endUnreachable(calls: readonly Call[]): Promise<void> {
    await Promise.allSettled(
      calls.map((call) => {
        for (const dialog of [call.caller.dialog, call.callee?.dialog])
          if (dialog !== undefined && !reachableAfterRestart(dialog)) dialog.terminate();
        return this.release(
          call,
          "the server restarted and a party's connection was lost",
          undefined,
          'SIP;cause=480;text="Connection lost in a server restart"',
        );
      }),
    );
  }

  /** The media engine legs this server's calls hold on an engine (told to it, so it keeps them). */
  legsOn(engineUri: string): string[] {
    return [...this.calls.values()].flatMap((call) =>
      [call.caller.media, call.callee?.media].flatMap((leg) =>
        leg !== undefined && !leg.closed && leg.engineUri === engineUri ? [leg.connId] : [],
      ),
    );
  }

  /** Saves an established call as it is now, for the next run of the server. */
  private persist(call: Call): void {
    const snapshot = this.options.store === undefined ? undefined : snapshotCall(call);
    if (snapshot === undefined) return;
    this.options.store!.save(snapshot).catch((error: unknown) => this.options.onError(error));
  }

  list(): CallView[] {
    return [...this.calls.values()].map((call) => ({
      connId: call.connId,
      state: call.state,
      caller: call.caller.party,
      callee: call.callee?.party ?? null,
      dialed: call.dialed,
      startedAt: call.startedAt,
      establishedAt: call.establishedAt ?? null,
    }));
  }

  get(connId: string): Call | undefined {
    return this.calls.get(connId);
  }

  /** In-dialog request (BYE, re-INVITE) for a dialog this controller owns, or undefined. */
  ownerOf(dialog: Dialog): { call: Call; side: "caller" | "callee" | "media" } | undefined {
    return this.byDialog.get(dialog.key);
  }

  // CTI requests

  /** TRouteCall: sends a call parked at routing point `thisDn` on to `otherDn`. */
  routeCall(connId: string, thisDn: string, otherDn: string, extensions: Record<string, string>): boolean {
    return this.routingPoints.route(connId, thisDn, otherDn, extensions);
  }

  /** TReleaseCall from a party of the call: ends it for everyone. */
  async releaseCall(connId: string, thisDn: string): Promise<boolean> {
    const call = this.calls.get(connId);
    if (call === undefined || (call.caller.party.dn !== thisDn && call.callee?.party.dn !== thisDn))
      return false;
    await this.release(call, `TReleaseCall from ${thisDn}`);
    return true;
  }

  /** TSingleStepTransfer: `thisDn` leaves the call, its other party is connected to `otherDn`. */
  singleStepTransfer(connId: string, thisDn: string, otherDn: string): Promise<boolean> {
    return this.transfers.singleStep(connId, thisDn, otherDn);
  }

  /** REFER from a party in the call: a blind transfer of the other party (call-transfer.ts). */
  onRefer(request: IncomingRequest): Promise<void> {
    return this.transfers.onRefer(request);
  }

  // Incoming requests

  async onInvite(request: IncomingRequest): Promise<void> {
    if (request.dialog !== undefined) return this.onReInvite(request);
    const origin = await this.identify(request);
    const dialed = request.message.uri.user ?? "";
    const decision = await this.options.routing.route(origin, dialed);
    if (decision.kind === "reject") throw new SipError(decision.status, decision.reason);
    const callerNumber = userOf(request.message.headers.get("From"));
    const caller: CallParty =
      origin.kind === "extension"
        ? { kind: "extension", dn: origin.dn, number: origin.dn }
        : { kind: "trunk", dn: origin.dn, number: callerNumber };
    const call = new Call(newConnId(), { party: caller, invite: request }, dialed);
    this.calls.set(call.connId, call);
    try {
      await this.connect(call, decision);
    } catch (error) {
      await this.release(call, error instanceof Error ? error.message : String(error));
      // A CANCEL was answered 487 by the UA core already: nothing more to say to the caller.
      if (request.cancelled || request.finalResponseSent) return;
      if (error instanceof MediaEngineError) {
        throw new SipError(
          error.status >= 300 && error.status < 700 ? error.status : 500,
          error.publicReason.slice(0, 100),
        );
      }
      throw error;
    }
  }

  /** The caller hung up before the answer: §9.2, the UA core already answered 487. */
  onCancel(invite: IncomingRequest): void {
    const call = [...this.calls.values()].find((c) => c.caller.invite === invite);
    if (call !== undefined) void this.release(call, "caller cancelled");
  }

  /**
   * RFC 3261 §13.3.1.4: "If the server retransmits the 2xx response for 64*T1 seconds without
   * receiving an ACK, the dialog is confirmed, but the session SHOULD be terminated. This is
   * accomplished with a BYE". Both parties get one: the caller that never ACKed, and the callee.
   */
  onAckTimeout(invite: IncomingRequest): void {
    const call = [...this.calls.values()].find((c) => c.caller.invite === invite);
    if (call === undefined) return;
    void this.release(
      call,
      "no ACK for the 200 to INVITE",
      undefined,
      'SIP;cause=408;text="No ACK for the 200 to INVITE"',
    ).catch((error: unknown) => this.options.onError(error));
  }

  /**
   * Calls with a media leg on an engine instance that is gone (it restarted or stopped
   * answering): their media path no longer exists.
   */
  callsOnEngine(engineUri: string, bootId: string | undefined): Call[] {
    const onIt = (leg: MediaLegHandle | undefined) =>
      leg !== undefined &&
      !leg.closed &&
      leg.engineUri === engineUri &&
      (bootId === undefined || leg.engineBoot === undefined || leg.engineBoot === bootId);
    return [...this.calls.values()].filter((call) => onIt(call.caller.media) || onIt(call.callee?.media));
  }

  /**
   * The server is stopping: every call is ended now, with a BYE that says why, rather than left
   * for the parties to find dead; recordings get their final report on the way (releasing).
   */
  async releaseAll(cause: string, reason: string): Promise<void> {
    await Promise.allSettled(
      [...this.calls.values()].map((call) => this.release(call, cause, undefined, reason)),
    );
  }

  onAck(dialog: Dialog | undefined): void {
    if (dialog !== undefined && this.byDialog.get(dialog.key)?.side === "caller") dialog.confirm();
  }

  async onBye(request: IncomingRequest): Promise<void> {
    const owner = request.dialog === undefined ? undefined : this.byDialog.get(request.dialog.key);
    if (owner === undefined) throw new SipError(481, "Call/Transaction Does Not Exist");
    request.reply(200);
    const reason = request.message.headers.get("Reason");
    const who =
      owner.side === "media"
        ? `media engine ended a leg${reason === undefined ? "" : ` (${reason})`}`
        : `${owner.side} hung up`;
    await this.release(owner.call, who, owner.side);
  }

  /** Hold/resume/new address from a party: new SDP for its media leg; the other party is not involved. */
  private async onReInvite(request: IncomingRequest): Promise<void> {
    const owner = this.byDialog.get(request.dialog!.key);
    if (owner === undefined || owner.side === "media")
      throw new SipError(481, "Call/Transaction Does Not Exist");
    const leg = owner.side === "caller" ? owner.call.caller.media : owner.call.callee?.media;
    if (leg === undefined || owner.call.state !== CallState.Established)
      throw new SipError(491, "Request Pending");
    if (request.message.body.length === 0)
      throw new SipError(488, "A re-INVITE without SDP is not supported");
    const answer = await this.options.media.updateLeg(leg, request.message.body);
    request.reply(200, {
      headers: { Contact: this.options.contactFor(request.source) },
      body: answer,
      contentType: "application/sdp",
    });
  }

  // Call set-up

  private async identify(request: IncomingRequest): Promise<CallOrigin> {
    const source = request.source;
    // An extension may call only from where it registered: the binding's flow is its proof of
    // identity (the REGISTER was digest-authenticated). That proof is checked first, so a phone
    // on the same host as a trunk (another port, or TCP) is still itself.
    const number = userOf(request.message.headers.get("From"));
    const bound = this.options.registrar.lookup(number).some((binding) => sameFlow(binding.source, source));
    if (bound) return { kind: "extension", dn: number };
    const trunks = await this.options.routing.trunks();
    const port = peerPortOf(request.message, source);
    // The peer's port too, unless the trunk is set to match by address alone (a carrier that
    // sends from several ports); then only when one trunk has that address.
    const trunk =
      trunks.find((t) => t.host === source.host && t.port === port) ??
      (trunks.filter((t) => t.host === source.host).length === 1
        ? trunks.find((t) => t.host === source.host && !t.portMatch)
        : undefined);
    if (trunk !== undefined && source.transport !== "WS" && source.transport !== "WSS") {
      return { kind: "trunk", dn: trunk.dn, peerHost: trunk.host };
    }
    throw new SipError(403, "Register before calling");
  }

  private async connect(call: Call, decision: Exclude<RouteDecision, { kind: "reject" }>): Promise<void> {
    const invite = setupInvite(call);
    if (invite.message.body.length === 0) throw new SipError(488, "An SDP offer is required");
    let target = decision;
    if (target.kind === "routing_point") {
      target = await this.routingPoints.park(call, target);
    }
    const callee = await this.calleeFor(target);
    call.callee = callee;
    this.logOf(call).debug(
      `${call.caller.party.number} → ${callee.party.dn} via ${callee.destination.transport} ${callee.destination.host}:${callee.destination.port}`,
    );
    // The caller's media leg first: if no media engine can take the call, the callee never rings.
    call.caller.media = await this.options.media.openLeg(invite.message.body, {
      callId: call.connId,
      encryption: await this.options.routing.mediaEncryptionOf(call.caller.party.dn),
    });
    this.byDialog.set(call.caller.media.dialog.key, { call, side: "media" });
    if (call.released) throw new SipError(487, "Request Terminated");
    call.transition(CallState.Alerting);
    this.events.publish("EventDialing", call.caller.party, callee.party, call);
    this.events.publish("EventRinging", callee.party, call.caller.party, call);
    let response: SipResponse;
    try {
      response = await this.inviteCallee(call, callee);
    } catch (error) {
      // Timer B (RFC 3261 §17.1.1.2): the callee never answered at all. The caller hears that
      // the callee timed out, not that we broke.
      if (error instanceof RequestTimeoutError) throw new SipError(408, "Request Timeout");
      if (error instanceof SipTransportError) throw new SipError(480, "Temporarily Unavailable");
      throw error;
    }
    this.logOf(call).debug(`callee answered ${response.status} ${response.reason}`);
    if (call.released) {
      if (response.status < 300) await this.hangUpCallee(callee, response);
      throw new SipError(487, "Request Terminated");
    }
    if (response.status >= 300) {
      await this.release(call, `callee answered ${response.status}`);
      throw new SipError(response.status === 487 ? 480 : response.status, response.reason || "Declined");
    }
    await this.answerCall(call, callee, response);
  }

  private async calleeFor(target: RoutedTarget): Promise<CalleeLeg> {
    if (target.kind === "trunk") {
      return {
        party: { kind: "trunk", dn: target.dn, number: target.number },
        destination: { transport: "UDP", host: target.host, port: target.port },
        provisional: false,
        cancelRequested: false,
      };
    }
    const binding = this.options.registrar.lookup(target.dn)[0];
    if (binding === undefined) throw new SipError(480, `${target.dn} is not registered`);
    // Busy is the phone's to say (486): a phone with call waiting takes a second call.
    // Connection-oriented flows (WebSocket, TCP) are the only way back to browsers and phones
    // behind NAT (RFC 5626 §5.3); over UDP the registered Contact is where the phone listens.
    const destination =
      binding.source.transport === "UDP" ? uriDestination(binding.contactUri) : binding.source;
    return {
      party: { kind: "extension", dn: target.dn, number: target.dn },
      destination,
      provisional: false,
      cancelRequested: false,
      requestUri: binding.contact,
    };
  }

  private async inviteCallee(
    call: Call,
    callee: CalleeLeg,
    from: CallParty = call.caller.party,
  ): Promise<SipResponse> {
    const ua = this.options.ua;
    const requestUri =
      callee.requestUri ??
      `sip:${callee.party.number}@${formatUriHost(callee.destination.host)}:${callee.destination.port}`;
    // A restarted server no longer has the caller's INVITE (a transfer of a restored call): its dialog has the From.
    const callerFrom = call.caller.invite?.message.headers.get("From") ?? call.caller.dialog?.remote ?? "";
    const display = from === call.caller.party ? parseDisplayName(callerFrom) : undefined;
    const fromNumber = from.number || "anonymous";
    const local = this.options.contactFor(callee.destination);
    const host = /@([^;>]+)/.exec(local)?.[1] ?? "forkline.invalid";
    const invite = ua.createRequest("INVITE", parseNameAddr(`<${requestUri}>`).uri, {
      from: `${display === undefined ? "" : `"${display.replace(/["\\]/g, "")}" `}<sip:${fromNumber}@${host}>`,
      to: `<sip:${callee.party.number}@${host}>`,
      contact: local,
      headers: { Allow: "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER" },
    });
    callee.invite = invite;
    return ua.send(invite, {
      destination: callee.destination,
      onProvisional: (response) => {
        if (response.status === 100) return;
        callee.provisional = true;
        if (callee.cancelRequested) void this.cancelCallee(callee);
        else if (response.status === 180 || response.status === 183) {
          const callerInvite = call.caller.invite;
          if (callerInvite !== undefined && !callerInvite.finalResponseSent) callerInvite.reply(180);
        }
      },
    });
  }

  private async answerCall(call: Call, callee: CalleeLeg, response: SipResponse): Promise<void> {
    const ua = this.options.ua;
    callee.dialog = Dialog.createAsUac(callee.invite!, response);
    callee.dialog.flow = callee.destination;
    ua.registerDialog(callee.dialog);
    this.byDialog.set(callee.dialog.key, { call, side: "callee" });
    if (response.body.length === 0) {
      await ua.ack(callee.dialog, response, { destination: callee.destination });
      throw new SipError(488, "The callee answered without an SDP offer");
    }
    const callerCodec = selectedEncoding(call.caller.media!.answer);
    callee.media = await this.options.media.openLeg(response.body, {
      callId: call.connId,
      // Joined to the caller's leg by MSML: both on one engine.
      beside: call.caller.media!,
      ...(callerCodec === undefined ? {} : { preferCodec: callerCodec }),
      encryption: await this.options.routing.mediaEncryptionOf(callee.party.dn),
    });
    this.byDialog.set(callee.media.dialog.key, { call, side: "media" });
    await ua.ack(callee.dialog, response, {
      destination: callee.destination,
      body: callee.media.answer,
      contentType: "application/sdp",
    });
    this.logOf(call).debug(`callee media leg ${callee.media.connId}, ACK sent; joining`);
    await this.options.media.join(call.caller.media!, callee.media);
    const invite = setupInvite(call);
    if (invite.cancelled || call.released) {
      await this.release(call, call.releaseCause ?? "caller cancelled");
      throw new SipError(487, "Request Terminated");
    }
    const ok = invite.createResponse(200, {
      headers: {
        Contact: this.options.contactFor(invite.source),
        Allow: "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER",
      },
      body: call.caller.media!.answer,
      contentType: "application/sdp",
    });
    call.caller.dialog = Dialog.createAsUas(invite.message, ok, invite.source);
    ua.registerDialog(call.caller.dialog);
    this.byDialog.set(call.caller.dialog.key, { call, side: "caller" });
    invite.send(ok);
    call.transition(CallState.Established);
    this.persist(call);
    this.logOf(call).debug("established");
    this.notify((l) => l.established?.(call));
    this.events.publish("EventEstablished", callee.party, call.caller.party, call);
    this.events.publish("EventEstablished", call.caller.party, callee.party, call);
  }

  // Release

  /**
   * Ends every part of the call that is still up. Idempotent. `reason` is an RFC 3326 Reason
   * header value for the BYEs to the parties, when they deserve to know why.
   */
  async release(
    call: Call,
    cause: string,
    initiator?: "caller" | "callee" | "media",
    reason?: string,
  ): Promise<void> {
    if (call.released) return;
    const wasUp = call.state === CallState.Alerting || call.state === CallState.Established;
    const wasSaved = call.state === CallState.Established;
    call.transition(CallState.Released);
    if (wasSaved && this.options.store !== undefined)
      this.options.store.remove(call.connId).catch((error: unknown) => this.options.onError(error));
    call.releaseCause = cause;
    this.logOf(call).debug(`released (${cause})`);
    const tasks: Promise<unknown>[] = [];
    const { caller, callee } = call;
    if (caller.dialog !== undefined && initiator !== "caller") tasks.push(this.bye(caller.dialog, reason));
    else if (
      caller.dialog === undefined &&
      caller.invite?.finalResponseSent === false &&
      !caller.invite.cancelled
    ) {
      // The SipError thrown by onInvite answers the INVITE; nothing to send here.
    }
    if (callee !== undefined) {
      if (callee.dialog !== undefined && initiator !== "callee") tasks.push(this.bye(callee.dialog, reason));
      else if (callee.dialog === undefined && callee.invite !== undefined) {
        callee.cancelRequested = true;
        if (callee.provisional) tasks.push(this.cancelCallee(callee));
      }
    }
    // The parties' BYEs are on their way; the media legs wait for the recordings' final word.
    const media = [caller.media, callee?.media].filter((leg) => leg !== undefined && !leg.closed);
    if (media.length > 0) {
      const releasing = [...this.listeners].flatMap((l) =>
        l.releasing === undefined ? [] : [l.releasing(call)],
      );
      await Promise.allSettled(releasing);
    }
    this.calls.delete(call.connId);
    for (const leg of media) tasks.push(this.closeMedia(leg!));
    for (const dialog of [caller.dialog, callee?.dialog]) {
      if (dialog !== undefined) {
        this.byDialog.delete(dialog.key);
        this.options.ua.forgetDialog(dialog);
      }
    }
    await Promise.allSettled(tasks);
    this.notify((l) => l.released?.(call));
    if (wasUp) {
      this.events.publish("EventReleased", caller.party, callee?.party ?? null, call, { cause });
      if (callee !== undefined)
        this.events.publish("EventReleased", callee.party, caller.party, call, { cause });
    }
  }

  private async closeMedia(media: MediaLegHandle): Promise<void> {
    this.byDialog.delete(media.dialog.key);
    await this.options.media.closeLeg(media);
  }

  private async bye(dialog: Dialog, reason?: string): Promise<void> {
    // A dialog ended already (a party lost in a restart) has nobody to tell.
    if (dialog.state === DialogState.Terminated) return;
    try {
      const bye = dialog.createRequest("BYE", reason === undefined ? {} : { headers: { Reason: reason } });
      await this.options.ua.sendInDialog(dialog, bye);
    } catch (error) {
      this.options.onError(error);
    }
    dialog.terminate();
  }

  private async cancelCallee(callee: CalleeLeg): Promise<void> {
    if (callee.invite === undefined) return;
    try {
      await this.options.ua.cancel(callee.invite, callee.destination);
    } catch (error) {
      this.options.onError(error);
    }
  }

  /** A 2xx that crossed our CANCEL: ACK it, then BYE (RFC 3261 §9.1 leaves the call up otherwise). */
  private async hangUpCallee(callee: CalleeLeg, response: SipResponse): Promise<void> {
    const dialog = Dialog.createAsUac(callee.invite!, response);
    dialog.flow = callee.destination;
    await this.options.ua.ack(dialog, response, { destination: callee.destination });
    await this.bye(dialog);
  }
}

/** The caller's INVITE while the call is being set up (only a restored call has none, and it is set up). */
function setupInvite(call: Call): IncomingRequest {
  if (call.caller.invite === undefined) throw new TypeError(`call ${call.connId} has no INVITE to set up`);
  return call.caller.invite;
}

function sameFlow(a: SipAddress, b: SipAddress): boolean {
  if (a.connectionId !== undefined || b.connectionId !== undefined) return a.connectionId === b.connectionId;
  return a.transport === b.transport && a.host === b.host && a.port === b.port;
}

function parseDisplayName(value: string): string | undefined {
  try {
    return parseNameAddr(value).displayName;
  } catch {
    return undefined;
  }
}

/**
 * The port a trunk's requests identify it by: the UDP source port (RFC 3261 §18.2.1 symmetric
 * signalling), or over a stream the Via sent-by port, since a connection's source port is
 * ephemeral ("the port in the sent-by ... is the port on which the client ... is listening";
 * absent: 5060).
 */
function peerPortOf(request: SipRequest, source: SipAddress): number {
  if (source.transport === "UDP") return source.port;
  try {
    return readTopVia(request.headers).port ?? 5060;
  } catch {
    return source.port;
  }
}
