import { AppError, AppErrorCode } from "../../errors/app-error";
import { type Actor, actorLabel } from "../actor";
import { recordAudit } from "../audit/record-audit";
import { ChangeNotifier } from "../change-notifier";
import type { Db } from "../db";

export enum AlarmKind {
  RecorderFailed = "recorder_failed",
  /** Kept for alarms saved before engine incidents were grouped as media_engine_lost. */
  MediaEngineUnreachable = "media_engine_unreachable",
  /** A media engine restarted, stopped answering, or never answered: one alarm per engine and incident. */
  MediaEngineLost = "media_engine_lost",
  /** A call that policy says must be recorded is not recorded on that side. */
  RecordingMissing = "recording_missing",
  /** A pause ran past the longest allowed (compliance rule) and the recording resumed by itself. */
  PauseCutShort = "pause_cut_short",
}

/** Kinds raised again and again by one incident: they count on the open alarm instead of adding rows. */
const GROUPED = new Set<string>([AlarmKind.MediaEngineUnreachable, AlarmKind.MediaEngineLost]);

export type AlarmInput = {
  kind: AlarmKind;
  subject?: string;
  message: string;
  connId?: string;
  recordingId?: string;
};

export type AlarmRow = {
  id: string;
  kind: string;
  subject: string;
  message: string;
  connId: string | null;
  recordingId: string | null;
  count: number;
  raisedAt: Date;
  lastRaisedAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
};

/** Tells open pages that the open alarms changed. */
export const alarmEvents = new ChangeNotifier<void>();

const MAX_OPEN = 100;
/** Keep-alives missed in a row (500 ms apart) before an engine that never answered is an alarm. */
export const ENGINE_DOWN_CHECKS = 20;

/**
 * Alarms are saved, not kept in memory: a recording lost at night must still be on the
 * supervisor's screen in the morning, after a restart, until somebody acknowledges it.
 */
export class AlarmService {
  constructor(private readonly db: Db) {}

  /**
   * One incident, one alarm. A media engine incident (restart, death, silence) is one alarm per
   * engine while it stays unacknowledged; everything that goes wrong with one call's recordings
   * (a recorder skipped, lost, failing over again and again) is one alarm per call and kind.
   * Repeats count on the open alarm; its text keeps the first message, which says what failed
   * and what it affects, and the latest one when it differs.
   */
  async raise(input: AlarmInput): Promise<AlarmRow> {
    if (GROUPED.has(input.kind) || input.connId !== undefined) {
      const open = await this.db.alarm.findFirst({
        where: {
          kind: input.kind,
          ...(GROUPED.has(input.kind) ? { subject: input.subject ?? "" } : { connId: input.connId }),
          acknowledgedAt: null,
        },
      });
      if (open) {
        const row = await this.db.alarm.update({
          where: { id: open.id },
          data: {
            count: { increment: 1 },
            lastRaisedAt: new Date(),
            message: mergeMessages(open.message, input.message),
          },
        });
        alarmEvents.emitChange();
        return row;
      }
    }
    const row = await this.db.alarm.create({
      data: {
        kind: input.kind,
        subject: input.subject ?? "",
        message: input.message,
        connId: input.connId ?? null,
        recordingId: input.recordingId ?? null,
      },
    });
    alarmEvents.emitChange();
    return row;
  }

  /**
   * A media engine's keep-alive result (every 500 ms). The launcher starts the engines beside
   * the server, so missed checks at start-up are not an outage; 20 in a row (10 s) are. An
   * engine that was alive and died is reported at once by the engine-loss handling; this only
   * adds to the same alarm (kind and subject), so one incident stays one alarm.
   */
  async engineHealth(health: {
    uri: string;
    healthy: boolean;
    failuresInARow: number;
    error?: string;
  }): Promise<AlarmRow | null> {
    if (health.healthy || health.failuresInARow !== ENGINE_DOWN_CHECKS) return null;
    return this.raise({
      kind: AlarmKind.MediaEngineLost,
      subject: health.uri,
      message: `Media engine ${health.uri} has not answered for 10 s (${health.error ?? "no answer"}); new calls go to the other engines, or fail when there is none.`,
    });
  }

  /** Unacknowledged alarms, newest first. */
  open(): Promise<AlarmRow[]> {
    return this.db.alarm.findMany({
      where: { acknowledgedAt: null },
      orderBy: { lastRaisedAt: "desc" },
      take: MAX_OPEN,
    });
  }

  /** Acknowledging is a supervisor's statement that they saw it: audited with who and when. */
  async acknowledge(ids: string[], actor: Actor): Promise<{ acknowledged: number }> {
    const now = new Date();
    const by = actorLabel(actor);
    const done = await this.db.$transaction(async (tx) => {
      const rows = await tx.alarm.findMany({ where: { id: { in: ids }, acknowledgedAt: null } });
      if (rows.length === 0 && ids.length > 0) {
        const known = await tx.alarm.count({ where: { id: { in: ids } } });
        if (known === 0) throw new AppError(AppErrorCode.NOT_FOUND, "No such alarm.");
      }
      for (const row of rows) {
        await tx.alarm.update({ where: { id: row.id }, data: { acknowledgedAt: now, acknowledgedBy: by } });
        await recordAudit(tx, actor, {
          action: "alarm.acknowledge",
          entity: "Alarm",
          entityId: row.id,
          before: { kind: row.kind, subject: row.subject, message: row.message, acknowledgedAt: null },
          after: { acknowledgedAt: now.toISOString(), acknowledgedBy: by },
        });
      }
      return rows.length;
    });
    if (done > 0) alarmEvents.emitChange();
    return { acknowledged: done };
  }
}

const LATEST = " Latest: ";

/** "first" + " Latest: " + the newest message, when it differs from the first. */
function mergeMessages(current: string, next: string): string {
  const first = current.split(LATEST)[0]!;
  return next === first ? first : `${first}${LATEST}${next}`;
}
