import { randomUUID } from "node:crypto";
import { toCallSide, toRecordSide, type RecordSide } from "../../../common/schemas/recording-schemas";
import {
  decodeRecordingPrivateService,
  RecordingPolicyError,
  recordingInfoEvent,
  type RecordingAction,
} from "../../cti/gsip-record";
import type { CtiEventBus } from "../../cti/cti-event-bus";
import type { PrivateServiceRequest } from "../../cti/cti-service";
import { TErrorCode, type TEvent } from "../../cti/t-library-events";
import { AppError } from "../../errors/app-error";
import type { Call } from "../../sip/calls/call";
import type { CallController, CallSide } from "../../sip/calls/call-controller";
import type { Db } from "../db";
import { AlarmKind, AlarmService } from "../alarms/alarm-service";
import { getCompliance, getFullTimeStopRule } from "../config/compliance-service";
import { PauseLimit } from "./pause-limit";
import type { Role } from "../../../common/roles";
import { RecordingHistoryService, type RecordingTrigger } from "./recording-history-service";
import { isFinal, RecordingState, transition } from "./recording-session-state";
import { ComplianceWatchdog, type RecordingDuty } from "./compliance-watchdog";
import { type CallRecordingView, type LiveRecording, LiveRecordingStore } from "./live-recording-store";
import { RecordingEngineReports } from "./recording-engine-reports";
import { RecordingSettings } from "./recording-settings";

export { GSIP_RECORD, RecordingPolicyError, type RecordingAction } from "../../cti/gsip-record";

export interface RecordingRequest {
  connId: string;
  /** The DN asking (CTI ThisDN); need not be a party (a supervisor). Absent for API callers. */
  thisDn?: string;
  side: RecordSide;
  id?: string;
  dest?: string;
  /** A second recorder to record to at the same time (Genesys T-Library `dest2`). */
  dest2?: string;
  params?: Record<string, string>;
  /** Who asked, for the history: "cti:1003", "user:supervisor", "route:7000". */
  by: string;
  /**
   * The asking user's role, when a signed-in user or API token asked: what the compliance rules
   * judge (an agent may not stop a full-time recording). Absent for routing strategies, the
   * system and CTI clients that are applications.
   */
  role?: Role;
  /** Why the recording is stopped (compliance may require one); stored in the history. */
  reason?: string;
}

/** What the policy needs of the call layer (CallController implements it). */
export type RecordingCallLayer = Pick<
  CallController,
  "get" | "listen" | "startRecording" | "controlRecording"
>;

export type { CallRecordingView } from "./live-recording-store";

/** How long a call's release waits for the media engine's final word on each recording. */
const FINAL_REPORT_TIMEOUT_MS = 3_000;

/**
 * The SIP Server's recording policy, one code path for every trigger: full-time settings (DN,
 * Agent Login, Trunk) when a call is established, a routing strategy's `record` key, and
 * mid-call requests (TRequestPrivateService, the supervisor API, the CLI). It tells the media
 * engine by MSML (through the call layer), keeps the history, and tells CTI clients.
 */
export class RecordingService {
  private readonly live = new LiveRecordingStore();
  /** Recordings whose final report a call's release is waiting for (id → resolve). */
  private readonly finalReports = new Map<string, () => void>();
  private readonly alarms: AlarmService;
  private readonly history: RecordingHistoryService;
  readonly watchdog: ComplianceWatchdog;
  private readonly reports: RecordingEngineReports;
  /** Full-time duties of live calls (connId → duties), for the watchdog's checks. */
  private readonly duties = new Map<string, RecordingDuty[]>();
  private readonly settings: RecordingSettings;

  constructor(
    private readonly db: Db,
    private readonly calls: RecordingCallLayer,
    private readonly cti: CtiEventBus,
    private readonly agentOnDn: (dn: string) => string | null,
    private readonly onError: (error: unknown) => void,
    watchdogTimes: { answerGraceMs?: number; interruptedGraceMs?: number } = {},
  ) {
    this.history = new RecordingHistoryService(db);
    this.settings = new RecordingSettings(db, agentOnDn);
    this.alarms = new AlarmService(db);
    this.watchdog = new ComplianceWatchdog({
      ...watchdogTimes,
      stateOf: (connId, side) => {
        if (this.calls.get(connId) === undefined) return "gone";
        return this.live.stateOf(connId, side);
      },
      raise: (alarm) => this.track(this.alarms.raise(alarm).then(() => undefined)),
    });
    this.reports = new RecordingEngineReports({
      history: this.history,
      live: this.live,
      callOf: (connId) => this.calls.get(connId),
      end: (recording, state) => this.end(recording, state),
      raiseAlarm: (alarm) => this.raiseAlarm(alarm),
      announce: (call, recording, action, why) => this.announce(call, recording, action, why),
      interrupted: (connId, side) => {
        const duty = this.duties.get(connId)?.find((d) => d.side === side);
        if (duty !== undefined) this.watchdog.interrupted(duty);
      },
      settled: (recordingId) => this.finalReports.get(recordingId)?.(),
    });
    calls.listen({
      established: (call) => this.track(this.applyStandingPolicy(call)),
      recordingEvent: (event) => this.track(this.inLane(event.recordingId, () => this.reports.handle(event))),
      releasing: (call) => this.stopForRelease(call),
      released: (call) => this.track(this.onCallReleased(call)),
      partyChanged: (call, side) => this.track(this.onPartyChanged(call, side)),
    });
  }

  /**
   * After a restart: the live recordings of the calls the SIP Server took up, from the history,
   * so supervisors can pause, resume and stop them and the calls' ends stop them. Returns how many.
   */
  async adopt(connIds: ReadonlySet<string>): Promise<number> {
    if (connIds.size === 0) return 0;
    const rows = await this.history.liveOf(connIds);
    for (const row of rows) {
      const state = row.state as RecordingState;
      this.live.add({
        id: row.id,
        connId: row.connId,
        callSide: toCallSide(row.side as RecordSide),
        trigger: row.trigger as RecordingTrigger,
        ...(row.engineDialogId === "" ? {} : { dialogId: row.engineDialogId }),
        state,
        paused: state === RecordingState.Paused || row.pauses.length > 0,
        copyOf: row.copyOf,
        ...(row.recorderUri === "" ? {} : { recorder: row.recorderUri }),
      });
    }
    return rows.length;
  }

  /** Work started by call events, which the call layer does not wait for. */
  private readonly inFlight = new Set<Promise<void>>();

  private track(work: Promise<void>): void {
    const tracked = work.catch(this.onError).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /**
   * Resolves once every decision started by a call event so far (and any it led to) is done:
   * what a test awaits instead of sleeping, and what a shutdown waits for before closing the
   * database.
   */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  /** How many recordings are live in each state (for /metrics). */
  liveCountByState(): Map<RecordingState, number> {
    return this.live.countByState();
  }

  /** Stops the compliance timers: nothing new starts after this (server shutdown, tests). */
  close(): void {
    this.watchdog.close();
    this.pauseLimit.close();
  }

  /** Paused recordings resume by themselves after the longest pause the compliance rules allow. */
  private readonly pauseLimit = new PauseLimit((id) => this.track(this.pauseRanOut(id)));

  /**
   * A pause ran past `maxPauseSeconds`: the recording resumes (the history says by whom:
   * "max-pause"), both parties' desktops learn it by EventPrivateInfo like any resume, and
   * supervisors get an alarm, since a pause cut short may mean a card number was being read.
   */
  private async pauseRanOut(id: string): Promise<void> {
    const recording = this.live.get(id);
    if (recording === undefined || !recording.paused) return;
    const { maxPauseSeconds } = await getCompliance(this.db);
    const done = await this.control("resume", {
      connId: recording.connId,
      side: toRecordSide(recording.callSide),
      id: recording.copyOf === "" ? recording.id : recording.copyOf,
      by: "max-pause",
    }).catch((error: unknown) => {
      if (error instanceof RecordingPolicyError) return [];
      throw error;
    });
    if (done.length === 0) return;
    this.track(
      this.alarms
        .raise({
          kind: AlarmKind.PauseCutShort,
          subject: recording.id,
          message: `Recording ${recording.id} (call ${recording.connId}) was paused longer than ${maxPauseSeconds} s and resumed by itself.`,
          connId: recording.connId,
          recordingId: recording.id,
        })
        .then(() => undefined),
    );
  }

  /** A call went on without its recording: saved, so supervisors see it until they acknowledge it. */
  private raiseAlarm(alarm: {
    connId: string;
    recordingId?: string;
    recorder?: string;
    reason: string;
  }): void {
    // Tracked: a shutdown (or a test) must not close the database under an alarm being saved.
    this.track(
      this.alarms
        .raise({
          kind: AlarmKind.RecorderFailed,
          subject: alarm.recorder ?? "",
          message: alarm.reason,
          connId: alarm.connId,
          ...(alarm.recordingId === undefined ? {} : { recordingId: alarm.recordingId }),
        })
        .then(() => undefined),
    );
  }

  /**
   * A call's recordings for the live calls page: those not over, and for a side with none the
   * last one that stopped or failed, so a supervisor sees that a side was recorded and is no more.
   */
  liveFor(connId: string): CallRecordingView[] {
    return this.live.viewsFor(connId);
  }

  /** Takes a recording out of the live set, keeping it as its side's last one while the call lasts. */
  private end(recording: LiveRecording, state: RecordingState.Stopped | RecordingState.Failed): void {
    this.pauseLimit.clear(recording.id);
    this.live.end(recording, state, this.calls.get(recording.connId) !== undefined);
  }

  /**
   * The media engine holding these calls' legs is gone: their recordings stopped receiving
   * media at `at` (when the engine was last known alive). They end as failed then, without an
   * alarm each — the engine-loss alarm names them all. Returns how many there were.
   */
  async mediaLost(connIds: readonly string[], at: Date, reason: string): Promise<number> {
    const calls = new Set(connIds);
    const lost = this.live.ofCalls(calls);
    for (const recording of lost) {
      this.end(recording, RecordingState.Failed);
      await this.history
        .move(recording.id, RecordingState.Failed, { by: "media-engine-loss", reason, at })
        .catch(this.onError);
      await this.history.settle(recording.id, { sent: 0, acked: 0, unreported: true }).catch(this.onError);
      const call = this.calls.get(recording.connId);
      if (call !== undefined) this.announce(call, recording, "stop", reason);
    }
    return lost.length;
  }

  /** TRequestPrivateService: GSIP_RECORD_START/STOP/PAUSE/RESUME with its extensions. */
  async privateService(req: PrivateServiceRequest): Promise<TEvent> {
    try {
      const { action, ...request } = decodeRecordingPrivateService(req.privateMsgId, req.extensions);
      const done = await this.control(action, {
        connId: req.connId,
        thisDn: req.thisDn,
        ...request,
        // The history says who paused: the signed-in user when the request came from the web.
        by: req.origin === undefined ? `cti:${req.thisDn}` : `${req.origin} via cti:${req.thisDn}`,
        ...(req.role === undefined ? {} : { role: req.role }),
      });
      return this.privateInfo(req.thisDn, req.connId, action, done, req.referenceId);
    } catch (error) {
      if (!(error instanceof RecordingPolicyError)) throw error;
      return this.cti.publish({
        event: "EventError",
        thisDn: req.thisDn,
        otherDn: null,
        connId: req.connId,
        agentId: null,
        referenceId: req.referenceId,
        userData: { AttrPrivateMsgID: String(req.privateMsgId) },
        error: { code: error.code, message: error.message },
      });
    }
  }

  /**
   * The single entry point for mid-call control. Throws RecordingPolicyError with a stable code
   * and a sentence saying why.
   */
  async control(action: RecordingAction, req: RecordingRequest): Promise<LiveRecording[]> {
    const call = this.calls.get(req.connId);
    if (call === undefined || call.released) {
      throw new RecordingPolicyError(TErrorCode.NO_SUCH_CALL, `No call with ConnID ${req.connId}.`);
    }
    const callSide = this.sideOf(call, req.side, req.thisDn);
    if (action === "start") {
      // Whoever asked (an agent's CTI client, a supervisor, the CLI), both parties' desktops learn it.
      const started = await this.start(call, callSide, "private_service", req);
      this.announce(call, started, "start", req.by);
      return [started];
    }
    const targets = this.live
      .of(req.connId, callSide)
      .filter((r) => req.id === undefined || r.id === req.id || r.copyOf === req.id);
    if (targets.length === 0) {
      throw new RecordingPolicyError(
        TErrorCode.NOT_RECORDING,
        `Nothing records the ${req.side} side of call ${req.connId}${req.id === undefined ? "" : ` with id ${req.id}`}.`,
      );
    }
    if (action === "stop") await this.assertMayStop(targets, req);
    const rules = await getCompliance(this.db);
    if (action === "stop" && rules.stopReason === "required" && (req.reason ?? "").trim() === "") {
      throw new RecordingPolicyError(
        TErrorCode.REASON_REQUIRED,
        "Stopping a recording needs a reason (compliance rule): say why, e.g. 'customer withdrew consent'.",
      );
    }
    const next =
      action === "pause"
        ? RecordingState.Paused
        : action === "resume"
          ? RecordingState.Recording
          : RecordingState.Stopped;
    for (const recording of targets) {
      // While interrupted the engine still takes pause and resume (a card number does not wait
      // for a recorder); the state stays interrupted until the continuation says how it records.
      const interruptedOk =
        recording.state === RecordingState.Interrupted &&
        ((action === "pause" && !recording.paused) || (action === "resume" && recording.paused));
      try {
        if (!interruptedOk) transition(recording.state, next);
      } catch {
        throw new RecordingPolicyError(
          TErrorCode.INVALID_TRANSITION,
          `Recording ${recording.id} is ${recording.state}: it cannot ${action}.`,
        );
      }
    }
    for (const recording of targets) {
      await this.inLane(recording.id, () => this.controlOne(call, recording, action, next, req));
      if (action === "pause" && recording.paused)
        this.pauseLimit.arm(recording.id, rules.maxPauseSeconds * 1000);
      else this.pauseLimit.clear(recording.id);
    }
    return targets;
  }

  /**
   * Compliance: a full-time recording (record=true on the DN, agent login or trunk) is there
   * because the contact centre must record that call; by default only supervisors and admins
   * may stop it (`recording.fullTimeStop`, Configuration). Pause stays every party's right: it
   * is how card numbers are kept out.
   */
  private async assertMayStop(targets: readonly LiveRecording[], req: RecordingRequest): Promise<void> {
    if (req.role !== "agent") return;
    const fullTime = targets.find((r) => r.trigger.startsWith("full_time"));
    if (fullTime === undefined) return;
    if ((await getFullTimeStopRule(this.db)) === "anyone") return;
    throw new RecordingPolicyError(
      TErrorCode.NOT_PERMITTED,
      `Recording ${fullTime.id} is a full-time recording (${fullTime.trigger}): only supervisors and admins may stop it.`,
    );
  }

  private async controlOne(
    call: Call,
    recording: LiveRecording,
    action: Exclude<RecordingAction, "start">,
    next: RecordingState,
    req: Pick<RecordingRequest, "by" | "reason">,
  ): Promise<void> {
    const by = req.by;
    // The engine stops forwarding the moment a pause or stop arrives, so the request time is
    // when the recorder stopped getting media; the history says that, not when the answer came.
    const requestedAt = new Date();
    if (recording.dialogId !== undefined) {
      try {
        await this.calls.controlRecording(call.connId, recording.callSide, recording.dialogId, action);
      } catch (error) {
        throw new RecordingPolicyError(TErrorCode.MEDIA_ENGINE_REFUSED, (error as Error).message);
      }
    }
    // Before this request was carried out, an earlier report may have ended the recording (a
    // failure): that report is the history.
    if (isFinal(recording.state)) return;
    if (action === "pause") recording.paused = true;
    if (action === "resume") recording.paused = false;
    if (recording.state === RecordingState.Interrupted && action !== "stop") {
      if (action === "pause") await this.history.beginPause(recording.id, requestedAt, by);
      else await this.history.endPause(recording.id, requestedAt, by);
      this.announce(call, recording, action, by);
      return;
    }
    await this.moveTo(recording, next, by, action, action === "resume" ? undefined : requestedAt, req.reason);
  }

  /** Work per recording, one at a time (see inLane). */
  private readonly lanes = new Map<string, Promise<void>>();

  /**
   * Control requests and engine reports of one recording are handled one at a time, in arrival
   * order. The engine's report of a pause, resume or stop often arrives while the request that
   * caused it still waits for the engine's MSML answer; applied before the request's own write
   * it would be lost (the pause then dated by the server's clock, not by when media stopped).
   */
  private inLane<T>(recordingId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.lanes.get(recordingId) ?? Promise.resolve();
    const result = previous.then(work);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.lanes.set(recordingId, settled);
    void settled.then(() => {
      if (this.lanes.get(recordingId) === settled) this.lanes.delete(recordingId);
    });
    return result;
  }

  /** Which leg "source"/"destination" names: ThisDN's side and the other, or caller/callee for a non-party. */
  private sideOf(call: Call, side: RecordSide, thisDn: string | undefined): CallSide {
    const thisSide =
      thisDn === undefined
        ? undefined
        : call.caller.party.dn === thisDn
          ? "caller"
          : call.callee?.party.dn === thisDn
            ? "callee"
            : undefined;
    if (thisSide === undefined) return toCallSide(side);
    if (side === "source") return thisSide;
    return thisSide === "caller" ? "callee" : "caller";
  }

  private async start(
    call: Call,
    callSide: CallSide,
    trigger: RecordingTrigger,
    req: RecordingRequest,
  ): Promise<LiveRecording> {
    const already = this.live.of(call.connId, callSide)[0];
    if (already !== undefined) {
      const why = already.trigger.startsWith("full_time")
        ? "full-time recording takes precedence"
        : `recording ${already.id} is live`;
      throw new RecordingPolicyError(
        TErrorCode.ALREADY_RECORDED,
        `The ${req.side} side of call ${call.connId} is already recorded (${why}).`,
      );
    }
    const copies = await this.settings.recorderPlan(req);
    const id = req.id ?? randomUUID();
    if (this.live.has(id))
      throw new RecordingPolicyError(TErrorCode.DUPLICATE_RECORDING_ID, `Recording id ${id} is in use.`);
    const primary = await this.startCopy(call, callSide, trigger, req, id, copies[0]!, "");
    // Parallel (dual) recording: the second copy is its own SIPREC session, state and
    // completeness; its failure is an alarm, never the primary's failure.
    for (const [index, dest] of copies.slice(1).entries()) {
      await this.startCopy(call, callSide, trigger, req, `${id}.copy${index + 2}`, dest, id).catch(
        (error: unknown) =>
          this.raiseAlarm({
            connId: call.connId,
            recordingId: `${id}.copy${index + 2}`,
            reason: `The parallel copy of recording ${id} did not start: ${(error as Error).message}`,
          }),
      );
    }
    return primary;
  }

  private async startCopy(
    call: Call,
    callSide: CallSide,
    trigger: RecordingTrigger,
    req: RecordingRequest,
    id: string,
    dest: string[],
    copyOf: string,
  ): Promise<LiveRecording> {
    const party = callSide === "caller" ? call.caller.party : call.callee!.party;
    const agentId = party.kind === "extension" ? this.agentOnDn(party.dn) : null;
    try {
      await this.history.open({
        id,
        dn: party.dn,
        agentId: agentId ?? "",
        callId: call.callId,
        connId: call.connId,
        side: toRecordSide(callSide),
        trigger,
        requestedBy: req.by,
        params: req.params ?? {},
        copyOf,
        parties: {
          callerNumber: call.caller.party.number,
          callerDn: call.caller.party.dn,
          calleeNumber: call.callee?.party.number ?? call.dialed,
          calleeDn: call.callee?.party.dn ?? "",
        },
      });
    } catch (error) {
      if (error instanceof AppError)
        throw new RecordingPolicyError(TErrorCode.DUPLICATE_RECORDING_ID, error.message);
      throw error;
    }
    const recording: LiveRecording = {
      id,
      connId: call.connId,
      callSide,
      trigger,
      state: RecordingState.Starting,
      paused: false,
      copyOf,
    };
    this.live.add(recording);
    try {
      recording.dialogId = await this.calls.startRecording(call.connId, callSide, {
        name: `rec-${id.replace(/[^A-Za-z0-9.:_-]/g, "").slice(0, 40) || "x"}`,
        recordingId: id,
        dest,
        params: req.params ?? {},
        ...(agentId === null ? {} : { agentId }),
        dtmfMasking: await this.settings.dtmfMaskingFor(call),
        encryption: await this.settings.encryptionFor(dest),
      });
      // A restarted server controls the recording by this dialog: kept before anyone can pause it.
      await this.history.setEngineDialog(id, recording.dialogId);
    } catch (error) {
      this.end(recording, RecordingState.Failed);
      await this.history.move(id, RecordingState.Failed, { by: req.by, reason: (error as Error).message });
      throw new RecordingPolicyError(TErrorCode.MEDIA_ENGINE_REFUSED, (error as Error).message);
    }
    return recording;
  }

  /** Full-time settings and the routing strategy's `record` key, when a call is answered. */
  private async applyStandingPolicy(call: Call): Promise<void> {
    const route = call.routeExtensions.record;
    const disabled = new Set<CallSide>();
    if (route === "disable_source") disabled.add("caller");
    if (route === "disable_destination") disabled.add("callee");
    for (const callSide of ["caller", "callee"] as const) {
      const party = callSide === "caller" ? call.caller.party : call.callee?.party;
      if (party === undefined || disabled.has(callSide)) continue;
      const trigger = await this.settings.fullTimeTrigger(party);
      if (trigger === undefined) continue;
      const duty: RecordingDuty = {
        connId: call.connId,
        side: callSide,
        trigger,
        dn: party.dn,
        agentId: party.kind === "extension" ? this.agentOnDn(party.dn) : null,
      };
      this.duties.set(call.connId, [...(this.duties.get(call.connId) ?? []), duty]);
      this.watchdog.answered(duty);
      await this.start(call, callSide, trigger, {
        connId: call.connId,
        side: toRecordSide(callSide),
        by: `${trigger}:${party.dn}`,
      })
        .then((r) => this.announce(call, r, "start", trigger))
        // The watchdog names the call, the DN and the policy within 3 s: no second alarm here.
        .catch((error: unknown) => this.reportStartFailure(call, error, { alarm: false }));
    }
    if (route === "source" || route === "destination") {
      const callSide = toCallSide(route);
      await this.start(call, callSide, "route", {
        connId: call.connId,
        side: route,
        by: "route",
        params: call.routeExtensions,
      })
        .then((r) => this.announce(call, r, "start", "route"))
        .catch((error: unknown) => this.reportStartFailure(call, error));
    }
  }

  private reportStartFailure(call: Call, error: unknown, opts: { alarm: boolean } = { alarm: true }): void {
    if (!(error instanceof RecordingPolicyError)) {
      this.onError(error);
      return;
    }
    if (opts.alarm) this.raiseAlarm({ connId: call.connId, reason: error.message });
    for (const party of [call.caller.party, call.callee?.party]) {
      if (party === undefined) continue;
      this.cti.publish({
        event: "EventError",
        thisDn: party.dn,
        otherDn: null,
        connId: call.connId,
        agentId: null,
        referenceId: null,
        userData: { GSIP_RECORD: "OFF" },
        error: { code: error.code, message: error.message },
      });
    }
  }

  /**
   * A call is being released: before its media legs close, each live recording is stopped by
   * MSML and the engine's final report (what the recorder acknowledged) is awaited, briefly.
   */
  private async stopForRelease(call: Call): Promise<void> {
    const live = this.live.of(call.connId).filter((r) => r.dialogId !== undefined);
    await Promise.allSettled(
      live.map(async (recording) => {
        const reported = new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, FINAL_REPORT_TIMEOUT_MS);
          this.finalReports.set(recording.id, () => {
            clearTimeout(timer);
            resolve();
          });
        });
        try {
          await this.calls.controlRecording(call.connId, recording.callSide, recording.dialogId!, "stop");
          await reported;
        } finally {
          this.finalReports.delete(recording.id);
        }
      }),
    );
  }

  /**
   * Blind transfer: recordings of the side that left end with its leg (the media engine closes
   * them), recordings of the other side go on, and the new party's own full-time settings apply.
   */
  private async onPartyChanged(call: Call, side: CallSide): Promise<void> {
    for (const recording of this.live.of(call.connId, side)) {
      this.end(recording, RecordingState.Stopped);
      await this.history
        .move(recording.id, RecordingState.Stopped, { by: "call", reason: "party left (transfer)" })
        .catch(this.onError);
      this.announce(call, recording, "stop", "party left (transfer)");
    }
    const party = side === "caller" ? call.caller.party : call.callee?.party;
    if (party === undefined) return;
    const trigger = await this.settings.fullTimeTrigger(party);
    if (trigger === undefined) return;
    await this.start(call, side, trigger, {
      connId: call.connId,
      side: toRecordSide(side),
      by: `${trigger}:${party.dn}`,
    })
      .then((r) => this.announce(call, r, "start", trigger))
      .catch((error: unknown) => this.reportStartFailure(call, error));
  }

  private async onCallReleased(call: Call): Promise<void> {
    this.duties.delete(call.connId);
    this.watchdog.callEnded(call.connId);
    for (const recording of this.live.forgetCall(call.connId)) {
      await this.history
        .move(recording.id, RecordingState.Stopped, { by: "call", reason: "call ended" })
        .catch(this.onError);
      // No final report came from the engine: nothing says the recorder got it all.
      await this.history.settle(recording.id, { sent: 0, acked: 0, unreported: true }).catch(this.onError);
    }
  }

  private async moveTo(
    recording: LiveRecording,
    to: RecordingState,
    by: string,
    action: RecordingAction,
    at?: Date,
    /** The requester's own words (a stop's reason); the action otherwise. */
    reason?: string,
  ): Promise<void> {
    // A session the engine has not confirmed yet is still "starting" in the history.
    const historyState = recording.state;
    if (to === RecordingState.Stopped) this.end(recording, to);
    else recording.state = to;
    if (historyState === RecordingState.Starting && to !== RecordingState.Stopped) return;
    await this.history.move(recording.id, to, {
      by,
      reason: reason ?? action,
      ...(at === undefined ? {} : { at }),
    });
    const call = this.calls.get(recording.connId);
    if (call !== undefined) this.announce(call, recording, action, by);
  }

  /** EventPrivateInfo to the DNs of the call: what changed, on which side, GSIP_RECORD = ON/PAUSED/OFF. */
  private announce(call: Call, recording: LiveRecording, action: RecordingAction, why: string): void {
    for (const party of [call.caller.party, call.callee?.party]) {
      if (party === undefined) continue;
      this.cti.publish(this.infoEvent(party.dn, call.connId, action, recording, null, why));
    }
  }

  private privateInfo(
    thisDn: string,
    connId: string,
    action: RecordingAction,
    done: LiveRecording[],
    referenceId: number | null,
  ): TEvent {
    // control() has told the parties already; this is the answer to the requester's referenceId.
    return this.cti.publish(this.infoEvent(thisDn, connId, action, done[0]!, referenceId, `cti:${thisDn}`));
  }

  private infoEvent(
    thisDn: string,
    connId: string,
    action: RecordingAction,
    recording: LiveRecording,
    referenceId: number | null,
    why: string,
  ) {
    return recordingInfoEvent(
      thisDn,
      connId,
      action,
      {
        id: recording.id,
        state: recording.state,
        side: toRecordSide(recording.callSide),
        trigger: recording.trigger,
      },
      referenceId,
      why,
    );
  }
}
