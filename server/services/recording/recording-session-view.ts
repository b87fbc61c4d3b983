import type { RecordSide, RecordingTrigger } from "../../../common/schemas/recording-schemas";
import { AppError, AppErrorCode } from "../../errors/app-error";
import type { Db } from "../db";
import { containsText } from "../contains-text";
import type { RecordingState } from "./recording-session-state";

export type RecordingSessionView = {
  id: string;
  callId: string;
  connId: string;
  side: RecordSide;
  trigger: RecordingTrigger;
  requestedBy: string;
  /** DN of the recorded side and the agent logged in there ("" when none). */
  dn: string;
  agentId: string;
  recorderUri: string;
  state: RecordingState;
  params: Record<string, string>;
  /** For the second copy of a parallel recording: the primary's id; "" otherwise. */
  copyOf: string;
  startedAt: Date;
  endedAt: Date | null;
  transitions: { from: string; to: string; at: Date; by: string; reason: string }[];
  pauses: { pausedAt: Date; resumedAt: Date | null; pausedBy: string; resumedBy: string }[];
  /** Media lost: from the last packet a recorder acknowledged to the continuation (or the end). */
  gaps: { startedAt: Date; endedAt: Date | null; recorderUri: string; reason: string }[];
  packetsSent: number;
  packetsAcked: number;
  segments: number;
  /** "" while live, then complete | incomplete. */
  outcome: "" | "complete" | "incomplete";
  outcomeReason: string;
};

/** A session with its history, oldest first: what every view is made from. */
const WITH_HISTORY = {
  transitions: { orderBy: { at: "asc" } },
  pauses: { orderBy: { pausedAt: "asc" } },
  gaps: { orderBy: { startedAt: "asc" } },
} as const;

/** One recording session as the UI and the API show it. */
export async function readRecordingSession(db: Db, id: string): Promise<RecordingSessionView> {
  const row = await db.recordingSession.findUnique({ where: { id }, include: WITH_HISTORY });
  if (!row) throw new AppError(AppErrorCode.NOT_FOUND, `No recording session ${id}.`);
  return toView(row);
}

export interface RecordingSessionFilter {
  dn?: string | undefined;
  agentId?: string | undefined;
  trigger?: RecordingTrigger | undefined;
  state?: RecordingState | undefined;
  text?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  limit: number;
}

/**
 * Newest first; `dn`, `agentId`, `trigger` and `state` match exactly, `from`/`to` bound the
 * start time, and `text` is found anywhere in the id, ConnID, params, requester or recorder
 * (a supervisor pastes a case number from the params or an id from a CTI log).
 */
export async function searchRecordingSessions(
  db: Db,
  filter: RecordingSessionFilter,
): Promise<RecordingSessionView[]> {
  const text = filter.text;
  const rows = await db.recordingSession.findMany({
    where: {
      ...(filter.dn ? { dn: filter.dn } : {}),
      ...(filter.agentId ? { agentId: filter.agentId } : {}),
      ...(filter.trigger ? { trigger: filter.trigger } : {}),
      ...(filter.state ? { state: filter.state } : {}),
      ...(text
        ? {
            OR: [
              { id: containsText(db, text) },
              { connId: containsText(db, text) },
              { params: containsText(db, text) },
              { requestedBy: containsText(db, text) },
              { recorderUri: containsText(db, text) },
            ],
          }
        : {}),
      startedAt: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lte: filter.to } : {}) },
    },
    orderBy: { startedAt: "desc" },
    take: filter.limit,
    include: WITH_HISTORY,
  });
  return rows.map(toView);
}

type SessionRow = Awaited<ReturnType<Db["recordingSession"]["findMany"]>>[number] & {
  transitions: { fromState: string; toState: string; at: Date; by: string; reason: string }[];
  pauses: { pausedAt: Date; resumedAt: Date | null; pausedBy: string; resumedBy: string }[];
  gaps: { startedAt: Date; endedAt: Date | null; recorderUri: string; reason: string }[];
};

function toView(row: SessionRow): RecordingSessionView {
  return {
    id: row.id,
    callId: row.callId,
    connId: row.connId,
    side: row.side as RecordSide,
    trigger: row.trigger as RecordingTrigger,
    requestedBy: row.requestedBy,
    dn: row.dn,
    agentId: row.agentId,
    recorderUri: row.recorderUri,
    state: row.state as RecordingState,
    params: JSON.parse(row.params) as Record<string, string>,
    copyOf: row.copyOf,
    startedAt: row.startedAt,
    endedAt: row.endedAt,
    transitions: row.transitions.map((t) => ({
      from: t.fromState,
      to: t.toState,
      at: t.at,
      by: t.by,
      reason: t.reason,
    })),
    pauses: row.pauses.map((p) => ({
      pausedAt: p.pausedAt,
      resumedAt: p.resumedAt,
      pausedBy: p.pausedBy,
      resumedBy: p.resumedBy,
    })),
    gaps: row.gaps.map((g) => ({
      startedAt: g.startedAt,
      endedAt: g.endedAt,
      recorderUri: g.recorderUri,
      reason: g.reason,
    })),
    packetsSent: row.packetsSent,
    packetsAcked: row.packetsAcked,
    segments: row.segments,
    outcome: row.outcome === "complete" || row.outcome === "incomplete" ? row.outcome : "",
    outcomeReason: row.outcomeReason,
  };
}
