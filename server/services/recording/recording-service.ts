import { toCallSide, type RecordSide } from "../../../common/schemas/recording-schemas";
import type { RecordingAction } from "../../cti/gsip-record";
import type { CtiEventBus } from "../../cti/cti-event-bus";
import type { PrivateServiceRequest } from "../../cti/cti-service";
import type { TEvent } from "../../cti/t-library-events";
import type { Call } from "../../sip/calls/call";
import type { Db } from "../db";
import { AlarmKind, AlarmService, type AlarmInput } from "../alarms/alarm-service";
import { ComplianceWatchdog } from "./compliance-watchdog";
import { type CallRecordingView, type LiveRecording, LiveRecordingStore } from "./live-recording-store";
import { RecordingAnnouncer } from "./recording-announcer";
import { RecordingControl } from "./recording-control";
import { RecordingEngineReports } from "./recording-engine-reports";
import { RecordingHistoryService, type RecordingTrigger } from "./recording-history-service";
import { RecordingLanes } from "./recording-lanes";
import type { RecorderFailure, RecordingCallLayer, RecordingRequest } from "./recording-request";
import { isFinal, RecordingState } from "./recording-session-state";
import { RecordingSettings } from "./recording-settings";
import { RecordingToneNotifier } from "./recording-tone";
import { RecordingStarter } from "./recording-starter";
import { StandingRecordingPolicy } from "./standing-recording-policy";

export { GSIP_RECORD, RecordingPolicyError, type RecordingAction } from "../../cti/gsip-record";
export type { RecordingCallLayer, RecordingRequest } from "./recording-request";
export type { CallRecordingView } from "./live-recording-store";

/** How long a call's release waits for the media engine's final word on each recording. */
const FINAL_REPORT_TIMEOUT_MS = 3_000;

/**
 * The SIP Server's recording policy, one code path for every trigger: full-time settings (DN,
 * Agent Login, Trunk) when a call is established, a routing strategy's `record` key, and
 * mid-call requests (TRequestPrivateService, the supervisor API, the CLI). It tells the media
 * engine by MSML (through the call layer), keeps the history, and tells CTI clients.
 *
 * This class wires the parts to the call layer's events and owns what spans them: the live set,
 * the background work a shutdown waits for, and the ends of recordings when calls or the media
 * engine go. The parts: RecordingStarter (a side's recording starts), RecordingControl (mid-call
 * pause/resume/stop with the compliance rules), StandingRecordingPolicy (full-time and routed
 * recordings), RecordingEngineReports (what the engine says), RecordingAnnouncer (CTI events).
 */
export class RecordingService {
  private readonly live = new LiveRecordingStore();
  /** Recordings whose final report a call's release is waiting for (id → resolve). */
  private readonly finalReports = new Map<string, () => void>();
  private readonly alarms: AlarmService;
  private readonly history: RecordingHistoryService;
  readonly watchdog: ComplianceWatchdog;
  private readonly announcer: RecordingAnnouncer;
  private readonly lanes = new RecordingLanes();
  private readonly reports: RecordingEngineReports;
  private readonly recordingControl: RecordingControl;
  /** The recording notification tone when a recording starts or resumes (issue 15 §7). */
  private readonly tone: RecordingToneNotifier;
  private readonly standing: StandingRecordingPolicy;

  constructor(
    db: Db,
    private readonly calls: RecordingCallLayer,
    cti: CtiEventBus,
    agentOnDn: (dn: string) => string | null,
    private readonly onError: (error: unknown) => void,
    watchdogTimes: { answerGraceMs?: number; interruptedGraceMs?: number } = {},
  ) {
    this.history = new RecordingHistoryService(db);
    const settings = new RecordingSettings(db, agentOnDn);
    this.alarms = new AlarmService(db);
    this.announcer = new RecordingAnnouncer(cti);
    this.tone = new RecordingToneNotifier({
      db,
      calls,
      isRecording: (id) => {
        const recording = this.live.get(id);
        return recording !== undefined && !recording.paused && !isFinal(recording.state);
      },
    });
    this.watchdog = new ComplianceWatchdog({
      ...watchdogTimes,
      stateOf: (connId, side) => {
        if (this.calls.get(connId) === undefined) return "gone";
        return this.live.stateOf(connId, side);
      },
      raise: (alarm) => this.raise(alarm),
    });
    const end = (recording: LiveRecording, state: RecordingState.Stopped | RecordingState.Failed) =>
      this.end(recording, state);
    const raiseAlarm = (alarm: RecorderFailure) => this.raiseAlarm(alarm);
    const starter = new RecordingStarter({
      live: this.live,
      history: this.history,
      settings,
      calls,
      agentOnDn,
      end,
      raiseAlarm,
    });
    this.recordingControl = new RecordingControl({
      db,
      calls,
      live: this.live,
      history: this.history,
      starter,
      announcer: this.announcer,
      lanes: this.lanes,
      end,
      raise: (alarm) => this.raise(alarm),
      track: (work) => this.track(work),
    });
    this.standing = new StandingRecordingPolicy({
      settings,
      starter,
      announcer: this.announcer,
      watchdog: this.watchdog,
      live: this.live,
      history: this.history,
      agentOnDn,
      end,
      raiseAlarm,
      onError,
    });
    this.reports = new RecordingEngineReports({
      history: this.history,
      live: this.live,
      callOf: (connId) => this.calls.get(connId),
      end,
      raiseAlarm,
      announce: (call, recording, action, why) => this.announcer.announce(call, recording, action, why),
      interrupted: (connId, side) => this.standing.interrupted(connId, side),
      settled: (recordingId) => this.finalReports.get(recordingId)?.(),
      active: (recording, dialogId) => this.track(this.tone.recordingActive(recording, dialogId)),
    });
    calls.listen({
      established: (call) => this.track(this.standing.answered(call)),
      recordingEvent: (event) =>
        this.track(this.lanes.run(event.recordingId, () => this.reports.handle(event))),
      releasing: (call) => this.stopForRelease(call),
      released: (call) => this.track(this.onCallReleased(call)),
      partyChanged: (call, side) => this.track(this.standing.partyChanged(call, side)),
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
        requestedBy: row.requestedBy,
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
    this.recordingControl.close();
  }

  /** TRequestPrivateService: GSIP_RECORD_START/STOP/PAUSE/RESUME with its extensions. */
  privateService(req: PrivateServiceRequest): Promise<TEvent> {
    return this.recordingControl.privateService(req);
  }

  /**
   * The single entry point for mid-call control. Throws RecordingPolicyError with a stable code
   * and a sentence saying why.
   */
  control(action: RecordingAction, req: RecordingRequest): Promise<LiveRecording[]> {
    return this.recordingControl.control(action, req);
  }

  /**
   * A call's recordings for the live calls page: those not over, and for a side with none the
   * last one that stopped or failed, so a supervisor sees that a side was recorded and is no more.
   */
  liveFor(connId: string): CallRecordingView[] {
    return this.live.viewsFor(connId);
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
      if (call !== undefined) this.announcer.announce(call, recording, "stop", reason);
    }
    return lost.length;
  }

  /** Saves an alarm; tracked: a shutdown (or a test) must not close the database under it. */
  private raise(alarm: AlarmInput): void {
    this.track(this.alarms.raise(alarm).then(() => undefined));
  }

  /** A call went on without its recording: saved, so supervisors see it until they acknowledge it. */
  private raiseAlarm(alarm: RecorderFailure): void {
    this.raise({
      kind: AlarmKind.RecorderFailed,
      subject: alarm.recorder ?? "",
      message: alarm.reason,
      connId: alarm.connId,
      ...(alarm.recordingId === undefined ? {} : { recordingId: alarm.recordingId }),
    });
  }

  /** Takes a recording out of the live set, keeping it as its side's last one while the call lasts. */
  private end(recording: LiveRecording, state: RecordingState.Stopped | RecordingState.Failed): void {
    this.recordingControl.forget(recording.id);
    this.live.end(recording, state, this.calls.get(recording.connId) !== undefined);
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

  private async onCallReleased(call: Call): Promise<void> {
    this.standing.released(call.connId);
    this.tone.callEnded(call.connId);
    for (const recording of this.live.forgetCall(call.connId)) {
      await this.history
        .move(recording.id, RecordingState.Stopped, { by: "call", reason: "call ended" })
        .catch(this.onError);
      // No final report came from the engine: nothing says the recorder got it all.
      await this.history.settle(recording.id, { sent: 0, acked: 0, unreported: true }).catch(this.onError);
    }
  }
}
