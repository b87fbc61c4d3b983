import type { CallRow } from "../calls/call-control-service";
import type { Db } from "../db";
import {
  type ComponentHealth,
  type EngineStatus,
  type HealthAlarm,
  RECENT_FAILURE_MS,
  engineHealth,
  recorderHealth,
} from "./component-health";
import { dayStart, lastDayHours } from "./day-window";
import { type Compliance, type ComplianceCall, assessCompliance } from "./policy-compliance";

/** Lists on the dashboard show this many rows at most; the counts are always whole. */
export const DASHBOARD_LIST_LIMIT = 50;
/** Finished hours of the chart are counted again at most this often. */
const PAST_HOURS_TTL_MS = 30_000;
/** Calls named in one IN (…) list at most (SQLite's and PostgreSQL's parameter limits). */
const IN_CHUNK = 500;

export type PausedRecording = {
  recordingId: string;
  connId: string;
  side: "source" | "destination";
  parties: string;
  dn: string;
  agent: { id: string; name: string } | null;
  /** When the pause began (the engine's time); null until the history has it. */
  pausedAt: Date | null;
  pausedBy: string;
};

export type ProblemRecording = {
  id: string;
  connId: string;
  side: string;
  /** failed: the recording ended without a recorder; interrupted: it lost its recorder at least once. */
  problem: "failed" | "interrupted";
  state: string;
  dn: string;
  agentId: string;
  recorderUri: string;
  startedAt: Date;
  reason: string;
};

export type HourCount = { from: Date; recorded: number; failed: number };

export type DashboardSnapshot = {
  dayStart: Date;
  live: { calls: number; established: number; recordingSides: number; pausedSides: number };
  compliance: Compliance & { unrecordedTotal: number };
  paused: PausedRecording[];
  problems: { failed: number; interrupted: number; recordings: ProblemRecording[] };
  health: { engines: ComponentHealth[]; recorders: ComponentHealth[] };
  /** Recorded calls (RecordedCall rows) by the hour they started, the last 24 hours, oldest first. */
  hours: HourCount[];
};

export type DashboardDeps = {
  db: Db;
  /** The configured media engines (MEDIA_ENGINE_URI), the same on both instances of a pair. */
  engineUris: readonly string[];
  /** This instance's pool, when it serves SIP. */
  engineStatus: () => EngineStatus;
};

const SESSION_FIELDS = {
  id: true,
  connId: true,
  side: true,
  trigger: true,
  state: true,
  dn: true,
  agentId: true,
  recorderUri: true,
  segments: true,
  outcomeReason: true,
  startedAt: true,
} as const;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += IN_CHUNK) out.push(items.slice(i, i + IN_CHUNK));
  return out;
}

const partiesOf = (call: CallRow) => `${call.caller.number} → ${call.callee?.number ?? call.dialed}`;

/**
 * The supervisor dashboard's figures, from what reaches every instance of an HA pair: the live
 * calls feed, the database and the alarms. Each query is a range on an index (today's calls by
 * start and by end, today's sessions by start, sessions and pauses by call or session id, alarms
 * open or raised today, the chart's hours as index-only counts); nothing scans a table.
 */
export class DashboardService {
  private readonly pastHours = new Map<number, { count: HourCount; at: number }>();

  constructor(private readonly deps: DashboardDeps) {}

  async snapshot(
    live: readonly CallRow[],
    opts: { tzOffsetMinutes: number; now?: Date },
  ): Promise<DashboardSnapshot> {
    const now = opts.now ?? new Date();
    const since = dayStart(now, opts.tzOffsetMinutes);
    const { db } = this.deps;
    const alarmsSince = new Date(Math.min(since.getTime(), now.getTime() - RECENT_FAILURE_MS));
    const [startedToday, endedToday, liveCarried, openAlarms, alarmsToday, recorders, hours] =
      await Promise.all([
        db.recordedCall.findMany({
          where: { startedAt: { gte: since } },
          select: { connId: true, startedAt: true, callerNumber: true, calleeNumber: true },
        }),
        db.recordedCall.findMany({
          where: { endedAt: { gte: since } },
          select: { connId: true, startedAt: true },
        }),
        db.recordedCall.findMany({
          where: { state: "live", startedAt: { lt: since } },
          select: { connId: true },
        }),
        db.alarm.findMany({ where: { acknowledgedAt: null }, orderBy: { lastRaisedAt: "desc" }, take: 500 }),
        db.alarm.findMany({ where: { raisedAt: { gte: alarmsSince } } }),
        db.recorder.findMany({
          orderBy: { position: "asc" },
          select: { name: true, uri: true, enabled: true },
        }),
        this.hourCounts(now, opts.tzOffsetMinutes),
      ]);

    // Calls of today that began before midnight: live ones, and those that ended today.
    const carriedIds = [
      ...new Set([
        ...endedToday.filter((c) => c.startedAt < since).map((c) => c.connId),
        ...liveCarried.map((c) => c.connId),
      ]),
    ];
    const [carriedCalls, sessionsToday, carriedSessions] = await Promise.all([
      Promise.all(
        chunks(carriedIds).map((ids) =>
          db.recordedCall.findMany({
            where: { connId: { in: ids } },
            select: { connId: true, startedAt: true, callerNumber: true, calleeNumber: true },
          }),
        ),
      ),
      db.recordingSession.findMany({ where: { startedAt: { gte: since } }, select: SESSION_FIELDS }),
      Promise.all(
        chunks(carriedIds).map((ids) =>
          db.recordingSession.findMany({ where: { connId: { in: ids } }, select: SESSION_FIELDS }),
        ),
      ),
    ]);
    const sessions = [
      ...new Map([...sessionsToday, ...carriedSessions.flat()].map((s) => [s.id, s])).values(),
    ];

    const alarms = [...new Map([...openAlarms, ...alarmsToday].map((a) => [a.id, a])).values()];
    const calls: ComplianceCall[] = [...startedToday, ...carriedCalls.flat()];
    // A call policy required but that no recording ever opened has no RecordedCall row: its
    // parties come from the live calls while it lasts.
    const known = new Set(calls.map((c) => c.connId));
    for (const call of live) {
      if (known.has(call.connId)) continue;
      calls.push({
        connId: call.connId,
        startedAt: call.startedAt,
        callerNumber: call.caller.number,
        calleeNumber: call.callee?.number ?? call.dialed,
      });
    }
    const missing = alarms
      .filter((a) => a.kind === "recording_missing" && a.connId !== null && a.raisedAt >= since)
      .map((a) => ({ connId: a.connId!, subject: a.subject, message: a.message, raisedAt: a.raisedAt }));
    const compliance = assessCompliance(calls, sessions, missing);

    const recordingNowOn = new Map<string, number>();
    let recordingSides = 0;
    let pausedSides = 0;
    const pausedLive: { call: CallRow; rec: CallRow["recordings"][number] }[] = [];
    for (const call of live) {
      for (const rec of call.recordings) {
        if (rec.state === "stopped" || rec.state === "failed") continue;
        if (rec.state === "paused" || rec.paused) {
          pausedSides++;
          pausedLive.push({ call, rec });
        } else if (rec.state === "recording") recordingSides++;
        if (rec.recorder !== null && (rec.state === "recording" || rec.state === "paused"))
          recordingNowOn.set(rec.recorder, (recordingNowOn.get(rec.recorder) ?? 0) + 1);
      }
    }

    return {
      dayStart: since,
      live: {
        calls: live.length,
        established: live.filter((c) => c.state === "established").length,
        recordingSides,
        pausedSides,
      },
      compliance: {
        ...compliance,
        unrecorded: compliance.unrecorded.slice(0, DASHBOARD_LIST_LIMIT),
        unrecordedTotal: compliance.unrecorded.length,
      },
      paused: await this.pausedNow(pausedLive),
      problems: await this.problems(sessions),
      health: {
        engines: engineHealth(this.deps.engineUris, this.deps.engineStatus(), alarms as HealthAlarm[], now),
        recorders: recorderHealth(recorders, alarms as HealthAlarm[], recordingNowOn, now),
      },
      hours,
    };
  }

  /** The paused sides of the live calls, with when the pause began (the open RecordingPause). */
  private async pausedNow(
    paused: readonly { call: CallRow; rec: CallRow["recordings"][number] }[],
  ): Promise<PausedRecording[]> {
    const ids = paused.map((p) => p.rec.id);
    const open = (
      await Promise.all(
        chunks(ids).map((chunk) =>
          this.deps.db.recordingPause.findMany({
            where: { sessionId: { in: chunk }, resumedAt: null },
            select: { sessionId: true, pausedAt: true, pausedBy: true },
          }),
        ),
      )
    ).flat();
    const pauseOf = new Map(open.map((p) => [p.sessionId, p]));
    return paused
      .map(({ call, rec }) => {
        const party = rec.side === "source" ? call.caller : call.callee;
        const pause = pauseOf.get(rec.id);
        return {
          recordingId: rec.id,
          connId: call.connId,
          side: rec.side,
          parties: partiesOf(call),
          dn: party?.dn ?? "",
          agent: party?.agent ?? null,
          pausedAt: pause?.pausedAt ?? null,
          pausedBy: pause?.pausedBy ?? "",
        };
      })
      .sort((a, b) => (a.pausedAt?.getTime() ?? Infinity) - (b.pausedAt?.getTime() ?? Infinity));
  }

  /** Today's failed and interrupted recordings; the failures' reasons from their last transition. */
  private async problems(
    sessions: readonly {
      id: string;
      connId: string;
      side: string;
      state: string;
      dn: string;
      agentId: string;
      recorderUri: string;
      segments: number;
      outcomeReason: string;
      startedAt: Date;
    }[],
  ): Promise<DashboardSnapshot["problems"]> {
    const rows: ProblemRecording[] = [];
    for (const s of sessions) {
      const problem =
        s.state === "failed"
          ? ("failed" as const)
          : s.state === "interrupted" || s.segments > 1 || /\bgaps?\b/.test(s.outcomeReason)
            ? ("interrupted" as const)
            : null;
      if (problem === null) continue;
      const { id, connId, side, state, dn, agentId, recorderUri, startedAt, outcomeReason } = s;
      rows.push({
        id,
        connId,
        side,
        problem,
        state,
        dn,
        agentId,
        recorderUri,
        startedAt,
        reason: outcomeReason,
      });
    }
    rows.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
    const shown = rows.slice(0, DASHBOARD_LIST_LIMIT);
    const failedIds = shown.filter((r) => r.problem === "failed").map((r) => r.id);
    if (failedIds.length > 0) {
      const why = await this.deps.db.recordingTransition.findMany({
        where: { sessionId: { in: failedIds }, toState: "failed" },
        select: { sessionId: true, reason: true },
      });
      const reasonOf = new Map(why.map((t) => [t.sessionId, t.reason]));
      for (const row of shown) {
        const reason = reasonOf.get(row.id);
        if (reason) row.reason = row.reason ? `${reason} (${row.reason})` : reason;
      }
    }
    return {
      failed: rows.filter((r) => r.problem === "failed").length,
      interrupted: rows.filter((r) => r.problem === "interrupted").length,
      recordings: shown,
    };
  }

  /**
   * Recorded calls per hour: two index-only counts per hour (all calls by start, and those whose
   * every recording failed, by state and start). Finished hours are kept for 30 s; the current
   * hour is counted on every snapshot.
   */
  private async hourCounts(now: Date, tzOffsetMinutes: number): Promise<HourCount[]> {
    const hours = lastDayHours(now, tzOffsetMinutes);
    const current = hours.at(-1)!.from.getTime();
    for (const key of this.pastHours.keys()) if (key < hours[0]!.from.getTime()) this.pastHours.delete(key);
    return Promise.all(
      hours.map(async ({ from, to }) => {
        const cached = this.pastHours.get(from.getTime());
        if (
          from.getTime() !== current &&
          cached !== undefined &&
          now.getTime() - cached.at < PAST_HOURS_TTL_MS
        )
          return cached.count;
        const range = { gte: from, lt: to };
        const [all, failed] = await Promise.all([
          this.deps.db.recordedCall.count({ where: { startedAt: range } }),
          this.deps.db.recordedCall.count({ where: { state: "failed", startedAt: range } }),
        ]);
        const count = { from, recorded: all - failed, failed };
        if (from.getTime() !== current) this.pastHours.set(from.getTime(), { count, at: now.getTime() });
        return count;
      }),
    );
  }
}
