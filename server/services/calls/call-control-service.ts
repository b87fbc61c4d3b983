import type { z } from "zod";
import type { zRecordingControlInput } from "../../../common/schemas/recording-schemas";
import { TErrorCode } from "../../cti/t-library-events";
import { AppError, AppErrorCode } from "../../errors/app-error";
import {
  RecordingPolicyError,
  type RecordingAction,
  type RecordingService,
} from "../recording/recording-service";

type RecordingControlInput = z.output<typeof zRecordingControlInput>;
import type { CallView } from "../../sip/calls/call-controller";

/** What the call layer offers the API: the calls in progress now. */
export interface LiveCalls {
  list(): CallView[];
}

export type CallRecordingRow = { id: string; side: "source" | "destination"; trigger: string; state: string };

export type CallRow = {
  connId: string;
  state: string;
  caller: string;
  callerDn: string;
  callee: string | null;
  calleeDn: string | null;
  dialed: string;
  startedAt: Date;
  establishedAt: Date | null;
  /** Recordings not over yet; source = the caller's side, destination = the callee's. */
  recordings: CallRecordingRow[];
};

/** Live calls, oldest first, flattened for tables (UI, `forkline calls`). */
export function listCalls(live: LiveCalls | undefined, recordings?: RecordingService): CallRow[] {
  if (live === undefined) throw new AppError(AppErrorCode.UNAVAILABLE, "The SIP Server is not running.");
  return live
    .list()
    .sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime())
    .map((call) => ({
      connId: call.connId,
      state: call.state,
      caller: call.caller.number,
      callerDn: call.caller.dn,
      callee: call.callee?.number ?? null,
      calleeDn: call.callee?.dn ?? null,
      dialed: call.dialed,
      startedAt: call.startedAt,
      establishedAt: call.establishedAt,
      recordings: (recordings?.liveFor(call.connId) ?? []).map((r) => ({
        id: r.id,
        side: r.side === "caller" ? ("source" as const) : ("destination" as const),
        trigger: r.trigger,
        state: r.state,
      })),
    }));
}

/**
 * Supervisor and CLI recording control: the same RecordingService path as TRequestPrivateService,
 * so every trigger leaves the same history. Policy refusals become typed errors.
 */
export async function controlRecording(
  recordings: RecordingService | undefined,
  action: RecordingAction,
  input: RecordingControlInput,
  by: string,
): Promise<{ id: string; side: string; state: string }[]> {
  if (recordings === undefined)
    throw new AppError(AppErrorCode.UNAVAILABLE, "The SIP Server is not running.");
  try {
    const done = await recordings.control(action, {
      connId: input.callId,
      side: input.side,
      ...(input.id === undefined ? {} : { id: input.id }),
      ...(input.dest === undefined ? {} : { dest: input.dest }),
      ...(input.params === undefined ? {} : { params: input.params }),
      by,
    });
    return done.map((r) => ({
      id: r.id,
      side: r.callSide === "caller" ? "source" : "destination",
      state: r.state,
    }));
  } catch (error) {
    if (!(error instanceof RecordingPolicyError)) throw error;
    const code =
      error.code === TErrorCode.NO_SUCH_CALL || error.code === TErrorCode.NOT_RECORDING
        ? AppErrorCode.NOT_FOUND
        : error.code === TErrorCode.INVALID_DESTINATION
          ? AppErrorCode.INVALID_INPUT
          : AppErrorCode.CONFLICT;
    throw new AppError(code, `${error.message} [${error.code}]`);
  }
}
