import { AppError, AppErrorCode } from "../../errors/app-error";
import type { Db } from "../db";
import {
  RecordingState,
  RecordingStateError,
  isFinal,
  isRecordingState,
  transition,
} from "./recording-session-state";
import { type CallParties, RecordedCallSummaries } from "./recorded-call-summary";
import {
  readRecordingSession,
  searchRecordingSessions,
  type RecordingSessionFilter,
  type RecordingSessionView,
} from "./recording-session-view";

export { RECORDING_TRIGGERS, type RecordingTrigger } from "../../../common/schemas/recording-schemas";

/** The states of a recording that has not ended: what a server that stops leaves behind. */
const NOT_ENDED = [
  RecordingState.Starting,
  RecordingState.Recording,
  RecordingState.Paused,
  RecordingState.Interrupted,
] as const;

/**
 * The durable history of recording sessions: every state change with its time and author,
 * and the pause intervals, written as they happen so a server restart loses nothing.
 */
export class RecordingHistoryService {
  /** Each call's RecordedCall row, rewritten after every change of one of its sessions. */
  private readonly summaries: RecordedCallSummaries;

  constructor(private readonly db: Db) {
    this.summaries = new RecordedCallSummaries(db);
  }

  async open(
    input: Pick<
      RecordingSessionView,
      "id" | "callId" | "connId" | "side" | "trigger" | "requestedBy" | "params"
    > &
      Partial<Pick<RecordingSessionView, "dn" | "agentId" | "copyOf">> & {
        /** The call's parties, kept on its summary for the call view. */
        parties?: CallParties;
      },
  ): Promise<RecordingSessionView> {
    const { parties, ...session } = input;
    const existing = await this.db.recordingSession.findUnique({ where: { id: input.id } });
    if (existing) {
      throw new AppError(
        AppErrorCode.CONFLICT,
        `Recording id ${input.id} is already used; ids must be globally unique.`,
        {
          field: "id",
        },
      );
    }
    await this.db.recordingSession.create({
      data: {
        ...session,
        params: JSON.stringify(input.params),
        state: RecordingState.Starting,
        transitions: {
          create: {
            fromState: "",
            toState: RecordingState.Starting,
            by: input.requestedBy,
            reason: input.trigger,
          },
        },
      },
    });
    await this.summaries.refresh(input.connId, parties);
    return this.get(input.id);
  }

  /**
   * Moves a session to `to`, refusing illegal moves with a CONFLICT that says why (pause when
   * paused, resume when not paused, anything after stop). Pause intervals follow the moves.
   */
  async move(
    id: string,
    to: RecordingState,
    opts: { by: string; reason?: string; recorderUri?: string; at?: Date; segments?: number },
  ): Promise<RecordingSessionView> {
    await this.db.$transaction(async (tx) => {
      const row = await tx.recordingSession.findUnique({ where: { id } });
      // A time from another clock (the engine's, or when it was last known alive) never puts a
      // move before the one it follows.
      const last = await tx.recordingTransition.findFirst({
        where: { sessionId: id },
        orderBy: { at: "desc" },
      });
      const asked = opts.at ?? new Date();
      const at = last !== null && last.at > asked ? last.at : asked;
      if (!row) throw new AppError(AppErrorCode.NOT_FOUND, `No recording session ${id}.`);
      if (!isRecordingState(row.state))
        throw new AppError(AppErrorCode.INTERNAL, `Recording ${id} has state ${row.state}.`);
      const from = row.state;
      try {
        transition(from, to);
      } catch (error) {
        if (error instanceof RecordingStateError) throw new AppError(AppErrorCode.CONFLICT, error.message);
        throw error;
      }
      await tx.recordingSession.update({
        where: { id },
        data: {
          state: to,
          recorderUri: opts.recorderUri,
          segments: opts.segments,
          endedAt: isFinal(to) ? at : undefined,
          transitions: {
            create: { fromState: from, toState: to, at, by: opts.by, reason: opts.reason ?? "" },
          },
        },
      });
      const openPause = await tx.recordingPause.findFirst({ where: { sessionId: id, resumedAt: null } });
      if (to === RecordingState.Paused) {
        // A continuation that starts paused keeps the pause asked for while interrupted.
        if (openPause === null)
          await tx.recordingPause.create({ data: { sessionId: id, pausedAt: at, pausedBy: opts.by } });
      } else if (openPause !== null && to !== RecordingState.Interrupted) {
        // Leaving a pause by resume, stop or failure closes the open interval; losing the
        // recorder does not (the pause goes on, and the continuation starts paused).
        await tx.recordingPause.update({
          where: { id: openPause.id },
          data: { resumedAt: at, resumedBy: to === RecordingState.Recording ? opts.by : "" },
        });
      }
      if (isFinal(to)) {
        // Whatever was still missing when the recording ended stays missing.
        await tx.recordingGap.updateMany({ where: { sessionId: id, endedAt: null }, data: { endedAt: at } });
      }
    });
    await this.summaries.refreshOfSession(id);
    return this.get(id);
  }

  /**
   * The media engine reports when forwarding restarted after a resume, which is after the resume
   * was answered (the recorder's re-INVITE comes first). The last closed pause interval is moved to
   * end then; never earlier than it was written.
   */
  async mediaResumed(id: string, at: Date): Promise<void> {
    // The latest interval only: if its resume is not written yet, the write to come is later still.
    const last = await this.latestPause(id);
    if (!last?.resumedAt || last.resumedBy === "" || last.resumedAt >= at) return;
    await this.db.recordingPause.update({ where: { id: last.id }, data: { resumedAt: at } });
  }

  /**
   * The media engine reports when it stopped forwarding for a pause, by its own clock. The pause
   * was written when the server asked; the engine acts a little later (under load, a few hundred
   * ms), and the recording is silent only from then. The open interval starts then; an event for
   * an interval that is already closed, or from before it was asked, changes nothing.
   */
  async mediaPaused(id: string, at: Date): Promise<void> {
    const last = await this.latestPause(id);
    if (!last || last.resumedAt !== null || last.pausedAt >= at) return;
    await this.db.recordingPause.update({ where: { id: last.id }, data: { pausedAt: at } });
  }

  /** Something worth keeping that changes no state (a recorder skipped): a row from a state to itself. */
  async note(id: string, opts: { by: string; reason: string; at?: Date }): Promise<void> {
    const row = await this.db.recordingSession.findUnique({ where: { id } });
    if (!row) throw new AppError(AppErrorCode.NOT_FOUND, `No recording session ${id}.`);
    await this.db.recordingTransition.create({
      data: {
        sessionId: id,
        fromState: row.state,
        toState: row.state,
        at: opts.at ?? new Date(),
        by: opts.by,
        reason: opts.reason,
      },
    });
  }

  /** A pause asked for while the recording is interrupted: the state stays, the interval opens. */
  async beginPause(id: string, at: Date, by: string): Promise<void> {
    const open = await this.db.recordingPause.findFirst({ where: { sessionId: id, resumedAt: null } });
    if (open === null)
      await this.db.recordingPause.create({ data: { sessionId: id, pausedAt: at, pausedBy: by } });
    await this.summaries.refreshOfSession(id);
  }

  /** A resume asked for while the recording is interrupted. */
  async endPause(id: string, at: Date, by: string): Promise<void> {
    await this.db.recordingPause.updateMany({
      where: { sessionId: id, resumedAt: null },
      data: { resumedAt: at, resumedBy: by },
    });
  }

  /** The recorder stopped acknowledging at `at`: the session is interrupted and a gap opens. */
  async interrupted(id: string, opts: { at: Date; recorderUri: string; reason: string }): Promise<void> {
    await this.move(id, RecordingState.Interrupted, { by: "media-engine", reason: opts.reason, at: opts.at });
    await this.db.recordingGap.create({
      data: { sessionId: id, startedAt: opts.at, recorderUri: opts.recorderUri, reason: opts.reason },
    });
  }

  /** Another recorder took over at `at` (a new SIPREC segment): the gap closes. */
  async continued(
    id: string,
    opts: { at: Date; to: RecordingState.Recording | RecordingState.Paused; recorderUri?: string },
  ): Promise<void> {
    await this.db.recordingGap.updateMany({
      where: { sessionId: id, endedAt: null },
      data: { endedAt: opts.at },
    });
    const row = await this.db.recordingSession.findUnique({ where: { id }, select: { segments: true } });
    await this.move(id, opts.to, {
      by: "media-engine",
      reason: `continued on ${opts.recorderUri ?? "another recorder"}`,
      at: opts.at,
      segments: (row?.segments ?? 1) + 1,
      ...(opts.recorderUri === undefined ? {} : { recorderUri: opts.recorderUri }),
    });
  }

  /**
   * An ended recording's outcome, from the engine's final report: complete only when the
   * recorders acknowledged every packet sent and nothing was lost on the way; otherwise
   * incomplete, saying what is missing. A recording with no report (the engine never said)
   * cannot be called complete.
   */
  async settle(id: string, report: { sent: number; acked: number; unreported?: boolean }): Promise<void> {
    const row = await this.db.recordingSession.findUnique({ where: { id }, include: { gaps: true } });
    if (!row || !isFinal(row.state as RecordingState)) return;
    if (row.outcome !== "" && report.unreported) return;
    const lostMs = row.gaps.reduce(
      (sum, gap) =>
        sum + Math.max(0, (gap.endedAt ?? row.endedAt ?? new Date()).getTime() - gap.startedAt.getTime()),
      0,
    );
    const reasons: string[] = [];
    if (row.gaps.length > 0)
      reasons.push(
        `${(lostMs / 1000).toFixed(1)} s lost in ${row.gaps.length} gap${row.gaps.length === 1 ? "" : "s"}`,
      );
    if (report.unreported) reasons.push("the media engine did not report what the recorder received");
    else if (report.acked < report.sent)
      reasons.push(`the recorder acknowledged ${report.acked} of ${report.sent} packets`);
    if (row.state === RecordingState.Failed && row.segments === 0)
      reasons.push("no recorder took the recording");
    await this.db.recordingSession.update({
      where: { id },
      data: {
        packetsSent: report.sent,
        packetsAcked: report.acked,
        outcome: reasons.length === 0 ? "complete" : "incomplete",
        outcomeReason: reasons.join("; "),
      },
    });
    await this.summaries.refresh(row.connId);
  }

  private latestPause(id: string) {
    return this.db.recordingPause.findFirst({ where: { sessionId: id }, orderBy: { pausedAt: "desc" } });
  }

  async get(id: string): Promise<RecordingSessionView> {
    return readRecordingSession(this.db, id);
  }

  /** See searchRecordingSessions. */
  async search(filter: RecordingSessionFilter): Promise<RecordingSessionView[]> {
    return searchRecordingSessions(this.db, filter);
  }

  /** The MSML dialog the media engine runs a recording in, kept so a restarted server can still control it. */
  async setEngineDialog(id: string, engineDialogId: string): Promise<void> {
    await this.db.recordingSession.update({ where: { id }, data: { engineDialogId } });
  }

  /** The recordings not ended of these calls, with what a restarted server needs to control them. */
  async liveOf(connIds: ReadonlySet<string>) {
    return this.db.recordingSession.findMany({
      where: {
        connId: { in: [...connIds] },
        state: { in: [...NOT_ENDED] },
      },
      select: {
        id: true,
        connId: true,
        side: true,
        trigger: true,
        requestedBy: true,
        state: true,
        copyOf: true,
        recorderUri: true,
        engineDialogId: true,
        pauses: { where: { resumedAt: null }, select: { id: true } },
      },
      orderBy: { startedAt: "asc" },
    });
  }

  /**
   * Sessions left live by a server that stopped: their calls are gone, so they end as failed —
   * except those of the calls the new server took up, which go on.
   */
  async failOrphans(reason: string, callsGoingOn: ReadonlySet<string> = new Set()): Promise<number> {
    const live = await this.db.recordingSession.findMany({
      where: {
        connId: { notIn: [...callsGoingOn] },
        state: { in: [...NOT_ENDED] },
      },
      select: { id: true },
    });
    for (const { id } of live) {
      await this.move(id, RecordingState.Failed, { by: "system", reason });
      await this.settle(id, { sent: 0, acked: 0, unreported: true });
    }
    return live.length;
  }
}
