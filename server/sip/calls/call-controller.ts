import { randomBytes } from "node:crypto";
import type { CallSide } from "../../../common/schemas/recording-schemas";
import type { MsmlEvent, MsmlPlay } from "../../../protocol/msml";
import {
  type Dialog,
  SipError,
  type IncomingRequest,
  type SipAddress,
  type UserAgentCore,
} from "../../../sip-core";
import type { CtiEventBus } from "../../cti/cti-event-bus";
import type { RoutingService } from "../../services/calls/routing-service";
import { MediaEngineError, type MediaEnginePool, type MediaLegHandle } from "../media/media-engine-pool";
import type { Registrar } from "../registrar";
import {
  controlRecordingOnEngine,
  decodeRecordingEvent,
  playToneOnEngine,
  startRecordingOnEngine,
  type RecordingEngineEvent,
  type RecordingStartRequest,
} from "../media/recording-control";
import { Call, CallState, type CallParty } from "./call";
import { CallEvents } from "./call-events";
import { CallSetup } from "./call-setup";
import { CallTransfer } from "./call-transfer";
import { reachableAfterRestart, type CallSnapshot } from "./call-snapshot";
import type { CallStore } from "./call-store";
import { CallTable, type CallView, type DialogOwner } from "./call-table";
import { CalleeDialer } from "./callee-dialer";
import { identifyCaller, userOf } from "./identify-caller";
import { RoutingPoints } from "./routing-points";
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
export type { CallView } from "./call-table";

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

function newConnId(): string {
  return randomBytes(8).toString("hex");
}

/**
 * The B2BUA: every call is two dialogs (caller ↔ SIP Server ↔ callee) and two media engine
 * legs joined by MSML. The callee is invited without SDP (RFC 3261 §13.2.1 allows an INVITE
 * without an offer: the offer then comes in the 2xx and the answer in the ACK), so its leg on
 * the media engine can be opened with the callee's own offer once it answers.
 */
export class CallController {
  private readonly calls: CallTable;
  private readonly dialer: CalleeDialer;

  private readonly listeners = new Set<CallLifecycleListener>();
  /** Each call's child logger (bound to its connId), made once and gone with the call. */
  private readonly logs = new WeakMap<Call, Logger>();

  private readonly events: CallEvents;
  private readonly routingPoints: RoutingPoints;
  private readonly transfers: CallTransfer;
  private readonly setup: CallSetup;

  private logOf(call: Call): Logger {
    let log = this.logs.get(call);
    if (log === undefined) this.logs.set(call, (log = this.options.log.child({ connId: call.connId })));
    return log;
  }

  constructor(private readonly options: CallControllerOptions) {
    this.calls = new CallTable(options);
    this.dialer = new CalleeDialer(options);
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
      ownerOf: (dialog) => this.calls.ownerOf(dialog),
      track: (dialog, call, side) => this.calls.track(dialog, call, side),
      untrack: (dialog) => this.calls.untrack(dialog),
      calleeFor: (target) => this.dialer.calleeFor(target),
      inviteCallee: (call, callee, from) => this.dialer.invite(call, callee, from),
      bye: (dialog) => this.dialer.bye(dialog),
      closeMedia: (leg) => this.closeMedia(leg),
      persist: (call) => this.calls.persist(call),
    });
    this.setup = new CallSetup({
      ...options,
      calls: this.calls,
      dialer: this.dialer,
      routingPoints: this.routingPoints,
      events: this.events,
      logOf: (call) => this.logOf(call),
      release: (call, cause) => this.release(call, cause),
      established: (call) => this.notify((l) => l.established?.(call)),
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
    const owner = this.calls.ownerOf(dialog);
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
    return this.calls.adopt(snapshots);
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

  /**
   * A party's connection closed (a browser tab closed or crashed, its WebSocket gone): nothing can
   * reach that party any more, so its calls end now rather than after the media engine's RTP
   * timeout — the other party gets a BYE saying why, the recordings stop with the right end time.
   */
  async endCallsOnConnection(connectionId: string): Promise<void> {
    const onIt = (dialog: Dialog | undefined) =>
      dialog !== undefined && dialog.flow?.connectionId === connectionId;
    const calls = this.calls.all().filter((call) => onIt(call.caller.dialog) || onIt(call.callee?.dialog));
    await Promise.allSettled(
      calls.map((call) => {
        for (const dialog of [call.caller.dialog, call.callee?.dialog]) if (onIt(dialog)) dialog!.terminate();
        return this.release(
          call,
          "a party's connection closed",
          undefined,
          'SIP;cause=480;text="Connection lost"',
        );
      }),
    );
  }

  /** The media engine legs this server's calls hold on an engine (told to it, so it keeps them). */
  legsOn(engineUri: string): string[] {
    return this.calls.legsOn(engineUri);
  }

  list(): CallView[] {
    return this.calls.list();
  }

  get(connId: string): Call | undefined {
    return this.calls.get(connId);
  }

  /** In-dialog request (BYE, re-INVITE) for a dialog this controller owns, or undefined. */
  ownerOf(dialog: Dialog): DialogOwner | undefined {
    return this.calls.ownerOf(dialog);
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
    const origin = await identifyCaller(request, this.options.registrar, this.options.routing);
    const dialed = request.message.uri.user ?? "";
    const decision = await this.options.routing.route(origin, dialed);
    if (decision.kind === "reject") throw new SipError(decision.status, decision.reason);
    const callerNumber = userOf(request.message.headers.get("From"));
    const caller: CallParty =
      origin.kind === "extension"
        ? { kind: "extension", dn: origin.dn, number: origin.dn }
        : { kind: "trunk", dn: origin.dn, number: callerNumber };
    const call = new Call(newConnId(), { party: caller, invite: request }, dialed);
    this.calls.add(call);
    try {
      await this.setup.connect(call, decision);
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
    const call = this.calls.byInvite(invite);
    if (call !== undefined) void this.release(call, "caller cancelled");
  }

  /**
   * RFC 3261 §13.3.1.4: "If the server retransmits the 2xx response for 64*T1 seconds without
   * receiving an ACK, the dialog is confirmed, but the session SHOULD be terminated. This is
   * accomplished with a BYE". Both parties get one: the caller that never ACKed, and the callee.
   */
  onAckTimeout(invite: IncomingRequest): void {
    const call = this.calls.byInvite(invite);
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
    return this.calls.onEngine(engineUri, bootId);
  }

  /**
   * The server is stopping: every call is ended now, with a BYE that says why, rather than left
   * for the parties to find dead; recordings get their final report on the way (releasing).
   */
  async releaseAll(cause: string, reason: string): Promise<void> {
    await Promise.allSettled(this.calls.all().map((call) => this.release(call, cause, undefined, reason)));
  }

  onAck(dialog: Dialog | undefined): void {
    if (dialog !== undefined && this.calls.ownerOf(dialog)?.side === "caller") dialog.confirm();
  }

  async onBye(request: IncomingRequest): Promise<void> {
    const owner = request.dialog === undefined ? undefined : this.calls.ownerOf(request.dialog);
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
    const owner = this.calls.ownerOf(request.dialog!);
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

  // Release (call set-up: call-setup.ts)

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
    if (wasSaved) this.calls.unpersist(call.connId);
    call.releaseCause = cause;
    this.logOf(call).debug(`released (${cause})`);
    const tasks: Promise<unknown>[] = [];
    const { caller, callee } = call;
    if (caller.dialog !== undefined && initiator !== "caller")
      tasks.push(this.dialer.bye(caller.dialog, reason));
    else if (
      caller.dialog === undefined &&
      caller.invite?.finalResponseSent === false &&
      !caller.invite.cancelled
    ) {
      // The SipError thrown by onInvite answers the INVITE; nothing to send here.
    }
    if (callee !== undefined) {
      if (callee.dialog !== undefined && initiator !== "callee")
        tasks.push(this.dialer.bye(callee.dialog, reason));
      else if (callee.dialog === undefined && callee.invite !== undefined) {
        callee.cancelRequested = true;
        if (callee.provisional) tasks.push(this.dialer.cancel(callee));
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
        this.calls.untrack(dialog);
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
    this.calls.untrack(media.dialog);
    await this.options.media.closeLeg(media);
  }
}
