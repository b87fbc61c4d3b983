import type { Role } from "../../../common/roles";
import type { z } from "zod";
import { toRecordSide, type zRecordingControlInput } from "../../../common/schemas/recording-schemas";
import { TErrorCode } from "../../cti/t-library-events";
import { AppError, AppErrorCode } from "../../errors/app-error";
import {
  RecordingPolicyError,
  type RecordingAction,
  type RecordingService,
} from "../recording/recording-service";
import type { CallParty } from "../../sip/calls/call";
import type { CallView } from "../../sip/calls/call-controller";
import type { Db } from "../db";

type RecordingControlInput = z.output<typeof zRecordingControlInput>;

/** What the call layer offers the live-calls view: the calls in progress now. */
export interface CallSource {
  list(): CallView[];
}

/** The calls in progress and their parties' DNs: what the API checks an agent's request against. */
export interface LiveCalls {
  list(): readonly { connId: string; caller: { dn: string }; callee: { dn: string } | null }[];
}

export type CallRecordingRow = {
  id: string;
  side: "source" | "destination";
  trigger: string;
  state: string;
  /** Paused on request, also while interrupted. */
  paused: boolean;
  recorder: string | null;
  /** Who asked for it: "user:dana", "cti:1003", "full_time_dn:1001"… (RecordingSession.requestedBy). */
  startedBy: string;
};

export type CallPartyRow = {
  /** The number the party dialed or was dialed as. */
  number: string;
  /** The DN events are reported on (extension or trunk). */
  dn: string;
  kind: "extension" | "trunk";
  /** The DN's display name from the configuration, "" when none. */
  name: string;
  /** The agent logged in on the extension, if any. */
  agent: { id: string; name: string } | null;
};

export type CallRow = {
  connId: string;
  state: string;
  caller: CallPartyRow;
  callee: CallPartyRow | null;
  dialed: string;
  startedAt: Date;
  establishedAt: Date | null;
  /** Per side: recordings not over, else the last one that stopped or failed while the call lasts. */
  recordings: CallRecordingRow[];
};

/** What the live-calls view needs of the recording policy. */
export type LiveRecordings = Pick<RecordingService, "liveFor">;

/** Supervisor and CLI recording control: what it needs of the recording policy (or of the active SIP Server of an HA pair). */
export interface RecordingControl {
  control(
    action: RecordingAction,
    req: Parameters<RecordingService["control"]>[1],
  ): Promise<{ id: string; callSide: "caller" | "callee"; state: string }[]>;
}

/** Live calls as supervisors see them: now, and as a stream of snapshots. */
export interface LiveCallsFeed {
  list(): Promise<CallRow[]>;
  watch(signal: AbortSignal | undefined): AsyncGenerator<CallRow[]>;
}

/** The live calls of this instance's SIP Server, with snapshots on each CTI event. */
export function localLiveCalls(
  deps: LiveCallsDeps & { onChange: (listener: () => void) => () => void },
): LiveCallsFeed {
  return { list: () => listCalls(deps), watch: (signal) => watchCalls(deps, signal) };
}

/** OPTIONS to a SIP URI through the SIP Server (a recorder's "Test" button). */
export type SipProbe = (uri: string) => Promise<{ status: number; reason: string; ms: number }>;

export type LiveCallsDeps = {
  db: Db;
  live: CallSource;
  recordings: LiveRecordings;
  /** The agent login code on an extension now (CTI agent state). */
  agentOnDn: (dn: string) => string | null;
};

/** Live calls, oldest first, with the names a supervisor knows people by. */
export async function listCalls(deps: LiveCallsDeps): Promise<CallRow[]> {
  const calls = deps.live.list().sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  const dns = new Set<string>();
  const agentOn = new Map<string, string>();
  for (const call of calls) {
    for (const p of [call.caller, call.callee]) {
      if (p === null) continue;
      dns.add(p.dn);
      const agentId = p.kind === "extension" ? deps.agentOnDn(p.dn) : null;
      if (agentId !== null) agentOn.set(p.dn, agentId);
    }
  }
  const agentIds = [...new Set(agentOn.values())];
  const [dnRows, agentRows] = await Promise.all([
    dns.size === 0
      ? []
      : deps.db.dn.findMany({
          where: { number: { in: [...dns] } },
          select: { number: true, displayName: true },
        }),
    agentIds.length === 0
      ? []
      : deps.db.agentLogin.findMany({
          where: { loginCode: { in: agentIds } },
          select: { loginCode: true, name: true },
        }),
  ]);
  const dnName = new Map(dnRows.map((d) => [d.number, d.displayName]));
  const agentName = new Map(agentRows.map((a) => [a.loginCode, a.name]));
  const party = (p: CallParty): CallPartyRow => {
    const agentId = agentOn.get(p.dn) ?? null;
    return {
      number: p.number,
      dn: p.dn,
      kind: p.kind,
      name: dnName.get(p.dn) ?? "",
      agent: agentId === null ? null : { id: agentId, name: agentName.get(agentId) ?? "" },
    };
  };
  return calls.map((call) => ({
    connId: call.connId,
    state: call.state,
    caller: party(call.caller),
    callee: call.callee ? party(call.callee) : null,
    dialed: call.dialed,
    startedAt: call.startedAt,
    establishedAt: call.establishedAt,
    recordings: deps.recordings.liveFor(call.connId).map((r) => ({
      id: r.id,
      side: r.side === "caller" ? ("source" as const) : ("destination" as const),
      trigger: r.trigger,
      state: r.state,
      paused: r.paused,
      recorder: r.recorder,
      startedBy: r.startedBy,
    })),
  }));
}

/**
 * The live calls as a stream of snapshots: a new one whenever a CTI event says something
 * changed (coalesced over 50 ms), and at least once a second for state the media engine changes
 * without a CTI event (a recording going from starting to recording). Unchanged snapshots are
 * not sent again.
 */
export async function* watchCalls(
  deps: LiveCallsDeps & { onChange: (listener: () => void) => () => void },
  signal: AbortSignal | undefined,
): AsyncGenerator<CallRow[]> {
  let wake: (() => void) | undefined;
  const off = deps.onChange(() => wake?.());
  const abort = () => wake?.();
  signal?.addEventListener("abort", abort);
  try {
    let last = "";
    while (!signal?.aborted) {
      const rows = await listCalls(deps);
      const key = JSON.stringify(rows);
      if (key !== last) {
        last = key;
        yield rows;
      }
      await new Promise<void>((resolve) => {
        const heartbeat = setTimeout(resolve, 1000);
        wake = () => {
          wake = undefined;
          clearTimeout(heartbeat);
          setTimeout(resolve, signal?.aborted ? 0 : 50);
        };
      });
    }
  } finally {
    off();
    signal?.removeEventListener("abort", abort);
  }
}

/**
 * Supervisor and CLI recording control: the same RecordingService path as TRequestPrivateService,
 * so every trigger leaves the same history. Policy refusals become typed errors.
 */
export async function controlRecording(
  recordings: RecordingControl,
  action: RecordingAction,
  input: RecordingControlInput,
  by: string,
  role?: Role,
): Promise<{ id: string; side: string; state: string }[]> {
  try {
    const done = await recordings.control(action, {
      connId: input.callId,
      side: input.side,
      ...(input.id === undefined ? {} : { id: input.id }),
      ...(input.dest === undefined ? {} : { dest: input.dest }),
      ...(input.params === undefined ? {} : { params: input.params }),
      ...(input.reason === undefined || input.reason === "" ? {} : { reason: input.reason }),
      by,
      ...(role === undefined ? {} : { role }),
    });
    return done.map((r) => ({
      id: r.id,
      side: toRecordSide(r.callSide),
      state: r.state,
    }));
  } catch (error) {
    if (!(error instanceof RecordingPolicyError)) throw error;
    const code =
      error.code === TErrorCode.NO_SUCH_CALL || error.code === TErrorCode.NOT_RECORDING
        ? AppErrorCode.NOT_FOUND
        : error.code === TErrorCode.NOT_PERMITTED
          ? AppErrorCode.FORBIDDEN
          : error.code === TErrorCode.INVALID_DESTINATION
            ? AppErrorCode.INVALID_INPUT
            : AppErrorCode.CONFLICT;
    throw new AppError(code, error.message, { tlibCode: error.code });
  }
}
