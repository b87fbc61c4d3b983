import { toCallSide, toRecordSide, type RecordSide } from "../../../common/schemas/recording-schemas";
import {
  decodeRecordingPrivateService,
  RecordingPolicyError,
  type RecordingAction,
} from "../../cti/gsip-record";
import type { PrivateServiceRequest } from "../../cti/cti-service";
import { TErrorCode, type TEvent } from "../../cti/t-library-events";
import type { Call } from "../../sip/calls/call";
import type { CallSide } from "../../sip/calls/call-controller";
import type { Db } from "../db";
import { AlarmKind, type AlarmInput } from "../alarms/alarm-service";
import { getCompliance, getFullTimeStopRule } from "../config/compliance-service";
import type { LiveRecording, LiveRecordingStore } from "./live-recording-store";
import { PauseLimit } from "./pause-limit";
import type { RecordingAnnouncer } from "./recording-announcer";
import type { RecordingHistoryService } from "./recording-history-service";
import type { RecordingLanes } from "./recording-lanes";
import type { RecordingCallLayer, RecordingRequest } from "./recording-request";
import { isFinal, RecordingState, transition } from "./recording-session-state";
import type { RecordingStarter } from "./recording-starter";

export interface RecordingControlDeps {
  readonly db: Db;
  readonly calls: Pick<RecordingCallLayer, "get" | "controlRecording">;
  readonly live: LiveRecordingStore;
  readonly history: RecordingHistoryService;
  readonly starter: RecordingStarter;
  readonly announcer: RecordingAnnouncer;
  readonly lanes: RecordingLanes;
  /** Takes a recording out of the live set in its final state. */
  readonly end: (recording: LiveRecording, state: RecordingState.Stopped) => void;
  /** Saves an alarm (tracked by the service: a shutdown waits for it). */
  readonly raise: (alarm: AlarmInput) => void;
  /** Runs work a timer started, so the service's idle() and shutdown wait for it. */
  readonly track: (work: Promise<void>) => void;
}

/**
 * Mid-call recording control — TRequestPrivateService, the supervisor API, the CLI — with the
 * compliance rules that judge it (who may stop a full-time recording, a stop's reason, the
 * longest pause) and the state machine of each recording.
 */
export class RecordingControl {
  /** Paused recordings resume by themselves after the longest pause the compliance rules allow. */
  private readonly pauseLimit = new PauseLimit((id) => this.deps.track(this.pauseRanOut(id)));

  constructor(private readonly deps: RecordingControlDeps) {}

  /** The recording ended: its pause timer goes. */
  forget(recordingId: string): void {
    this.pauseLimit.clear(recordingId);
  }

  /** Stops the pause timers (server shutdown, tests). */
  close(): void {
    this.pauseLimit.close();
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
      // control() has told the parties already; this is the answer to the requester's referenceId.
      return this.deps.announcer.answer(req.thisDn, req.connId, action, done[0]!, req.referenceId);
    } catch (error) {
      if (!(error instanceof RecordingPolicyError)) throw error;
      return this.deps.announcer.refused(req, error);
    }
  }

  /**
   * The single entry point for mid-call control. Throws RecordingPolicyError with a stable code
   * and a sentence saying why.
   */
  async control(action: RecordingAction, req: RecordingRequest): Promise<LiveRecording[]> {
    const call = this.deps.calls.get(req.connId);
    if (call === undefined || call.released) {
      throw new RecordingPolicyError(TErrorCode.NO_SUCH_CALL, `No call with ConnID ${req.connId}.`);
    }
    const callSide = sideOf(call, req.side, req.thisDn);
    if (action === "start") {
      // Whoever asked (an agent's CTI client, a supervisor, the CLI), both parties' desktops learn it.
      const started = await this.deps.starter.start(call, callSide, "private_service", req);
      this.deps.announcer.announce(call, started, "start", req.by);
      return [started];
    }
    const targets = this.deps.live
      .of(req.connId, callSide)
      .filter((r) => req.id === undefined || r.id === req.id || r.copyOf === req.id);
    if (targets.length === 0) {
      throw new RecordingPolicyError(
        TErrorCode.NOT_RECORDING,
        `Nothing records the ${req.side} side of call ${req.connId}${req.id === undefined ? "" : ` with id ${req.id}`}.`,
      );
    }
    if (action === "stop") await this.assertMayStop(targets, req);
    const rules = await getCompliance(this.deps.db);
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
      await this.deps.lanes.run(recording.id, () => this.controlOne(call, recording, action, next, req));
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
    if ((await getFullTimeStopRule(this.deps.db)) === "anyone") return;
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
        await this.deps.calls.controlRecording(call.connId, recording.callSide, recording.dialogId, action);
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
      if (action === "pause") await this.deps.history.beginPause(recording.id, requestedAt, by);
      else await this.deps.history.endPause(recording.id, requestedAt, by);
      this.deps.announcer.announce(call, recording, action, by);
      return;
    }
    await this.moveTo(recording, next, by, action, action === "resume" ? undefined : requestedAt, req.reason);
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
    if (to === RecordingState.Stopped) this.deps.end(recording, to);
    else recording.state = to;
    if (historyState === RecordingState.Starting && to !== RecordingState.Stopped) return;
    await this.deps.history.move(recording.id, to, {
      by,
      reason: reason ?? action,
      ...(at === undefined ? {} : { at }),
    });
    const call = this.deps.calls.get(recording.connId);
    if (call !== undefined) this.deps.announcer.announce(call, recording, action, by);
  }

  /**
   * A pause ran past `maxPauseSeconds`: the recording resumes (the history says by whom:
   * "max-pause"), both parties' desktops learn it by EventPrivateInfo like any resume, and
   * supervisors get an alarm, since a pause cut short may mean a card number was being read.
   */
  private async pauseRanOut(id: string): Promise<void> {
    const recording = this.deps.live.get(id);
    if (recording === undefined || !recording.paused) return;
    const { maxPauseSeconds } = await getCompliance(this.deps.db);
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
    this.deps.raise({
      kind: AlarmKind.PauseCutShort,
      subject: recording.id,
      message: `Recording ${recording.id} (call ${recording.connId}) was paused longer than ${maxPauseSeconds} s and resumed by itself.`,
      connId: recording.connId,
      recordingId: recording.id,
    });
  }
}

/** Which leg "source"/"destination" names: ThisDN's side and the other, or caller/callee for a non-party. */
function sideOf(call: Call, side: RecordSide, thisDn: string | undefined): CallSide {
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
