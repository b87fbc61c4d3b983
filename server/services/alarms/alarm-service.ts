import { AppError, AppErrorCode } from "../../errors/app-error";
import { type Actor, actorLabel } from "../actor";
import { recordAudit } from "../audit/record-audit";
import { ChangeNotifier } from "../change-notifier";
import type { Db } from "../db";

export enum AlarmKind {
  RecorderFailed = "recorder_failed",
  MediaEngineUnreachable = "media_engine_unreachable",
}

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

/**
 * Alarms are saved, not kept in memory: a recording lost at night must still be on the
 * supervisor's screen in the morning, after a restart, until somebody acknowledges it.
 */
export class AlarmService {
  constructor(private readonly db: Db) {}

  /**
   * A failure per recording is one alarm each (each is a lost recording). A condition that is
   * checked again and again (a media engine down) raises one alarm that counts the repeats while
   * it stays unacknowledged.
   */
  async raise(input: AlarmInput): Promise<AlarmRow> {
    if (input.kind === AlarmKind.MediaEngineUnreachable) {
      const open = await this.db.alarm.findFirst({
        where: { kind: input.kind, subject: input.subject ?? "", acknowledgedAt: null },
      });
      if (open) {
        const row = await this.db.alarm.update({
          where: { id: open.id },
          data: { count: { increment: 1 }, lastRaisedAt: new Date(), message: input.message },
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
   * A media engine's OPTIONS check result. The launcher starts the engines beside the server, so
   * one missed check at start-up is not an outage; two in a row (10 s) are. Repeats while the
   * engine stays down count on the same alarm.
   */
  async engineHealth(health: {
    uri: string;
    healthy: boolean;
    failuresInARow: number;
    error?: string;
  }): Promise<AlarmRow | null> {
    if (health.healthy || health.failuresInARow < 2) return null;
    return this.raise({
      kind: AlarmKind.MediaEngineUnreachable,
      subject: health.uri,
      message: `Media engine ${health.uri} does not answer (${health.error ?? "no answer"}); new calls go to the other engines, or fail when there is none.`,
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
