import type { CallState } from "../../../common/schemas/recording-schemas";
import type { Db } from "../db";

/** The parties of a call when a recording of it starts (Call.caller / Call.callee). */
export type CallParties = { callerNumber: string; callerDn: string; calleeNumber: string; calleeDn: string };

/** What the summary of a call needs of each of its sessions. */
export type SessionFacts = {
  id: string;
  callId: string;
  copyOf: string;
  state: string;
  outcome: string;
  dn: string;
  agentId: string;
  startedAt: Date;
  endedAt: Date | null;
  pauseCount: number;
};

const LIVE_STATES = new Set(["starting", "recording", "paused", "interrupted"]);

/**
 * A call's state from its sessions: `live` while one has not ended; otherwise per recording (a
 * primary with its parallel copies, complete when one of them is, failed when all failed),
 * `complete` when every recording is, `failed` when every one failed, else `incomplete` — part of
 * the call is missing, or a recording ended without the engine saying the recorder got it all.
 */
export function callStateOf(sessions: readonly SessionFacts[]): CallState {
  if (sessions.some((s) => LIVE_STATES.has(s.state))) return "live";
  const recordings = new Map<string, SessionFacts[]>();
  for (const session of sessions) {
    const key = session.copyOf === "" ? session.id : session.copyOf;
    recordings.set(key, [...(recordings.get(key) ?? []), session]);
  }
  const states = [...recordings.values()].map((copies) => {
    if (copies.some((s) => s.outcome === "complete" && s.state !== "failed")) return "complete";
    if (copies.every((s) => s.state === "failed")) return "failed";
    return "incomplete";
  });
  if (states.length > 0 && states.every((s) => s === "complete")) return "complete";
  if (states.length > 0 && states.every((s) => s === "failed")) return "failed";
  return "incomplete";
}

/** " a b " from ["a", "", "b", "a"]: each value once, found with `contains " a "`. */
export const spaced = (values: readonly string[]): string =>
  ` ${[...new Set(values.filter((v) => v !== ""))].join(" ")} `.replace(/^ {2}$/, " ");

/** The RecordedCall row of a call from its sessions (at least one), parties aside. */
export function summarizeCall(sessions: readonly SessionFacts[]) {
  const startedAt = new Date(Math.min(...sessions.map((s) => s.startedAt.getTime())));
  const live = sessions.some((s) => s.endedAt === null);
  const endedAt = live ? null : new Date(Math.max(...sessions.map((s) => s.endedAt!.getTime())));
  return {
    callId: sessions.find((s) => s.callId !== "")?.callId ?? "",
    dns: spaced(sessions.map((s) => s.dn)),
    agentIds: spaced(sessions.map((s) => s.agentId)),
    startedAt,
    endedAt,
    durationMs: endedAt === null ? null : endedAt.getTime() - startedAt.getTime(),
    hasPause: sessions.some((s) => s.pauseCount > 0),
    state: callStateOf(sessions),
    sessionCount: sessions.length,
  };
}

/** The client of a transaction or the database itself. */
type Client = Pick<Db, "recordingSession" | "recordedCall">;

/**
 * Writes the RecordedCall row of `connId` from its sessions as they are now: called after every
 * change of one of them, so the call view pages over calls without grouping sessions. Parties are
 * kept from the first start that knew them.
 */
export async function refreshRecordedCall(db: Client, connId: string, parties?: CallParties): Promise<void> {
  const rows = await db.recordingSession.findMany({
    where: { connId },
    select: {
      id: true,
      callId: true,
      copyOf: true,
      state: true,
      outcome: true,
      dn: true,
      agentId: true,
      startedAt: true,
      endedAt: true,
      _count: { select: { pauses: true } },
    },
  });
  if (rows.length === 0) {
    await db.recordedCall.deleteMany({ where: { connId } });
    return;
  }
  const summary = summarizeCall(rows.map(({ _count, ...row }) => ({ ...row, pauseCount: _count.pauses })));
  const known = await db.recordedCall.findUnique({ where: { connId }, select: { callerDn: true } });
  const withParties = parties !== undefined && (known === null || known.callerDn === "") ? parties : {};
  await db.recordedCall.upsert({
    where: { connId },
    create: { connId, ...summary, ...withParties },
    update: { ...summary, ...withParties },
  });
}

/**
 * The rewrites of calls' summaries, one at a time per call and each after the last, so the last
 * rewrite reads every change before it (the two sides of a call often change at once).
 */
export class RecordedCallSummaries {
  private readonly pending = new Map<string, Promise<void>>();

  constructor(private readonly db: Db) {}

  async refresh(connId: string, parties?: CallParties): Promise<void> {
    const next = (this.pending.get(connId) ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => refreshRecordedCall(this.db, connId, parties));
    this.pending.set(connId, next);
    try {
      await next;
    } finally {
      if (this.pending.get(connId) === next) this.pending.delete(connId);
    }
  }

  /** Rewrites the summary of the call a session belongs to. */
  async refreshOfSession(sessionId: string): Promise<void> {
    const row = await this.db.recordingSession.findUnique({
      where: { id: sessionId },
      select: { connId: true },
    });
    if (row !== null) await this.refresh(row.connId);
  }
}
