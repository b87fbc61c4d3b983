import { AppError, AppErrorCode } from "../../errors/app-error";
import type { CallView } from "../../sip/calls/call-controller";

/** What the call layer offers the API: the calls in progress now. */
export interface LiveCalls {
  list(): CallView[];
}

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
};

/** Live calls, oldest first, flattened for tables (UI, `forkline calls`). */
export function listCalls(live: LiveCalls | undefined): CallRow[] {
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
    }));
}

export function controlRecording(action: "start" | "stop" | "pause" | "resume"): never {
  throw new AppError(
    AppErrorCode.NOT_IMPLEMENTED,
    `Recording ${action} is not implemented yet: it arrives with the recording proxy and the recording policy.`,
  );
}
