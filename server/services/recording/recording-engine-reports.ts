import type { CallSide } from "../../../common/schemas/recording-schemas";
import type { Call } from "../../sip/calls/call";
import type { RecordingEngineEvent } from "../../sip/calls/call-controller";
import type { RecordingAction } from "../../cti/gsip-record";
import type { LiveRecording, LiveRecordingStore } from "./live-recording-store";
import type { RecordingHistoryService } from "./recording-history-service";
import type { RecorderFailure } from "./recording-request";
import { RecordingState } from "./recording-session-state";

export interface EngineReportDeps {
  readonly history: RecordingHistoryService;
  readonly live: LiveRecordingStore;
  readonly callOf: (connId: string) => Call | undefined;
  /** Takes a recording out of the live set in its final state. */
  readonly end: (recording: LiveRecording, state: RecordingState.Stopped | RecordingState.Failed) => void;
  readonly raiseAlarm: (alarm: RecorderFailure) => void;
  /** EventPrivateInfo to the call's DNs. */
  readonly announce: (call: Call, recording: LiveRecording, action: RecordingAction, why: string) => void;
  /** A side that must be recorded lost its recorder: the compliance watchdog starts counting. */
  readonly interrupted: (connId: string, side: CallSide) => void;
  /** The engine says a recording started or resumed: the notification tone is due (issue 15 §7). */
  readonly active: (recording: LiveRecording, dialogId: string) => void;
  /** The engine's final report for a recording arrived (a call's release may be waiting for it). */
  readonly settled: (recordingId: string) => void;
}

/**
 * What the media engine reports about a recording it runs (forkline.recording.* events: started,
 * skipped, interrupted, continued, paused, resumed, stopped, failed), turned into the live state,
 * the history, alarms and CTI announcements.
 */
export class RecordingEngineReports {
  constructor(private readonly deps: EngineReportDeps) {}

  async handle(event: RecordingEngineEvent): Promise<void> {
    const recording = this.deps.live.get(event.recordingId);
    if (recording === undefined) {
      // The final report of a recording the server already closed (its call ended first).
      if (event.name === "stopped" || event.name === "failed") await this.settle(event);
      return;
    }
    const at = event.at ?? new Date();
    const recorder = event.recorder;
    switch (event.name) {
      case "resumed":
        // Forwarding restarts only once the recorder accepted a=sendonly (after the MSML answer):
        // the pause interval ends when the engine says media flows again, by the engine's clock.
        await this.deps.history.mediaResumed(recording.id, at);
        this.deps.active(recording, event.dialogId);
        return;
      case "paused":
        if (event.at !== undefined) await this.deps.history.mediaPaused(recording.id, event.at);
        return;
      case "skipped":
        await this.deps.history.note(recording.id, {
          by: "media-engine",
          reason: `recorder ${recorder ?? "?"} skipped: ${event.reason ?? "no answer"}`,
          at,
        });
        this.deps.raiseAlarm({
          connId: event.connId,
          recordingId: recording.id,
          ...(recorder === undefined ? {} : { recorder }),
          reason: `Recorder ${recorder ?? "?"} was skipped for recording ${recording.id}: ${event.reason ?? "no answer"}. The next recorder was tried.`,
        });
        return;
      case "started":
        if (recording.state !== RecordingState.Starting) return;
        recording.state = RecordingState.Recording;
        if (recorder !== undefined) recording.recorder = recorder;
        await this.deps.history.move(recording.id, RecordingState.Recording, {
          by: "media-engine",
          reason: "recorder answered",
          segments: 1,
          ...(recorder === undefined ? {} : { recorderUri: recorder }),
        });
        this.deps.active(recording, event.dialogId);
        return;
      case "interrupted": {
        if (recording.state === RecordingState.Interrupted || recording.state === RecordingState.Starting)
          return;
        recording.state = RecordingState.Interrupted;
        const why = `recorder ${recorder ?? recording.recorder ?? "?"} lost: ${event.reason ?? "no answer"}`;
        await this.deps.history.interrupted(recording.id, {
          at,
          recorderUri: recorder ?? recording.recorder ?? "",
          reason: why,
        });
        this.deps.raiseAlarm({
          connId: event.connId,
          recordingId: recording.id,
          ...(recorder === undefined ? {} : { recorder }),
          reason: `Recording ${recording.id} interrupted (${why}); the media engine is continuing it with the next recorder.`,
        });
        const call = this.deps.callOf(event.connId);
        if (call !== undefined) this.deps.announce(call, recording, "start", why);
        this.deps.interrupted(event.connId, recording.callSide);
        return;
      }
      case "continued": {
        if (recording.state !== RecordingState.Interrupted) return;
        recording.state = recording.paused ? RecordingState.Paused : RecordingState.Recording;
        if (recorder !== undefined) recording.recorder = recorder;
        await this.deps.history.continued(recording.id, {
          at,
          to: recording.state,
          ...(recorder === undefined ? {} : { recorderUri: recorder }),
        });
        const call = this.deps.callOf(event.connId);
        if (call !== undefined)
          this.deps.announce(call, recording, "start", `continued on ${recorder ?? "a recorder"}`);
        return;
      }
      case "stopped":
      case "failed": {
        if (recording.state === RecordingState.Stopped) return;
        const to = event.name === "failed" ? RecordingState.Failed : RecordingState.Stopped;
        this.deps.end(recording, to);
        if (to === RecordingState.Failed) {
          this.deps.raiseAlarm({
            connId: event.connId,
            recordingId: recording.id,
            ...(recorder === undefined ? {} : { recorder }),
            reason: event.reason ?? "recording failed",
          });
        }
        await this.deps.history.move(recording.id, to, {
          by: "media-engine",
          reason: event.reason ?? event.name,
          ...(event.at === undefined ? {} : { at: event.at }),
        });
        await this.settle(event);
        const call = this.deps.callOf(event.connId);
        if (call !== undefined)
          this.deps.announce(call, recording, "stop", event.reason ?? `recording ${event.name}`);
        return;
      }
      default:
        return;
    }
  }

  /** The engine's final word (packets sent and acknowledged) decides whether the recording is complete. */
  private async settle(event: RecordingEngineEvent): Promise<void> {
    await this.deps.history.settle(event.recordingId, { sent: event.sent ?? 0, acked: event.acked ?? 0 });
    this.deps.settled(event.recordingId);
  }
}
