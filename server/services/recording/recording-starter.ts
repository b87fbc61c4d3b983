import { randomUUID } from "node:crypto";
import { toRecordSide } from "../../../common/schemas/recording-schemas";
import { RecordingPolicyError } from "../../cti/gsip-record";
import { TErrorCode } from "../../cti/t-library-events";
import { AppError } from "../../errors/app-error";
import type { Call } from "../../sip/calls/call";
import type { CallSide } from "../../sip/calls/call-controller";
import type { LiveRecording, LiveRecordingStore } from "./live-recording-store";
import type { RecordingHistoryService, RecordingTrigger } from "./recording-history-service";
import type { RecorderFailure, RecordingCallLayer, RecordingRequest } from "./recording-request";
import { RecordingState } from "./recording-session-state";
import type { RecordingSettings } from "./recording-settings";

export interface RecordingStarterDeps {
  readonly live: LiveRecordingStore;
  readonly history: RecordingHistoryService;
  readonly settings: RecordingSettings;
  readonly calls: Pick<RecordingCallLayer, "startRecording">;
  readonly agentOnDn: (dn: string) => string | null;
  /** Takes a recording out of the live set in its final state. */
  readonly end: (recording: LiveRecording, state: RecordingState.Failed) => void;
  readonly raiseAlarm: (alarm: RecorderFailure) => void;
}

/**
 * Starts the recording of one side of a call, whoever asked (full-time settings, a routing
 * strategy, a mid-call request): one side has one recording, opened in the history before the
 * media engine is told, with a parallel copy per extra recorder the settings plan.
 */
export class RecordingStarter {
  constructor(private readonly deps: RecordingStarterDeps) {}

  async start(
    call: Call,
    callSide: CallSide,
    trigger: RecordingTrigger,
    req: RecordingRequest,
  ): Promise<LiveRecording> {
    const already = this.deps.live.of(call.connId, callSide)[0];
    if (already !== undefined) {
      const why = already.trigger.startsWith("full_time")
        ? "full-time recording takes precedence"
        : `recording ${already.id} is live`;
      throw new RecordingPolicyError(
        TErrorCode.ALREADY_RECORDED,
        `The ${req.side} side of call ${call.connId} is already recorded (${why}).`,
      );
    }
    const copies = await this.deps.settings.recorderPlan(req);
    const id = req.id ?? randomUUID();
    if (this.deps.live.has(id))
      throw new RecordingPolicyError(TErrorCode.DUPLICATE_RECORDING_ID, `Recording id ${id} is in use.`);
    const primary = await this.startCopy(call, callSide, trigger, req, id, copies[0]!, "");
    // Parallel (dual) recording: the second copy is its own SIPREC session, state and
    // completeness; its failure is an alarm, never the primary's failure.
    for (const [index, dest] of copies.slice(1).entries()) {
      await this.startCopy(call, callSide, trigger, req, `${id}.copy${index + 2}`, dest, id).catch(
        (error: unknown) =>
          this.deps.raiseAlarm({
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
    const { history, settings } = this.deps;
    const party = callSide === "caller" ? call.caller.party : call.callee!.party;
    const agentId = party.kind === "extension" ? this.deps.agentOnDn(party.dn) : null;
    try {
      await history.open({
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
      requestedBy: req.by,
      state: RecordingState.Starting,
      paused: false,
      copyOf,
    };
    this.deps.live.add(recording);
    try {
      recording.dialogId = await this.deps.calls.startRecording(call.connId, callSide, {
        name: `rec-${id.replace(/[^A-Za-z0-9.:_-]/g, "").slice(0, 40) || "x"}`,
        recordingId: id,
        dest,
        params: req.params ?? {},
        ...(agentId === null ? {} : { agentId }),
        dtmfMasking: await settings.dtmfMaskingFor(call),
        encryption: await settings.encryptionFor(dest),
      });
      // A restarted server controls the recording by this dialog: kept before anyone can pause it.
      await history.setEngineDialog(id, recording.dialogId);
    } catch (error) {
      this.deps.end(recording, RecordingState.Failed);
      await history.move(id, RecordingState.Failed, { by: req.by, reason: (error as Error).message });
      throw new RecordingPolicyError(TErrorCode.MEDIA_ENGINE_REFUSED, (error as Error).message);
    }
    return recording;
  }
}
