import { isRole, type Role } from "../../../common/roles";
import type { CallState, RecordedCallsFilter } from "../../../common/schemas/recording-schemas";
import { AppError, AppErrorCode } from "../../errors/app-error";
import { containsText } from "../contains-text";
import type { Db } from "../db";
import type { Prisma } from "../../../generated/prisma";
import { type RecordedCallView, type SessionRow, sessionView, usernamesIn } from "./recorded-call-view";

export type RecordedCallPage = { calls: RecordedCallView[]; nextCursor: string | null };

/** Agent logins a name may stand for, at most: a search that broad is narrowed by the user. */
const MAX_AGENT_MATCHES = 50;
/** Calls a text search (id, ConnID, params) may find sessions of, at most. */
const MAX_TEXT_MATCHES = 500;

/** A page's position: the last call's start and ConnID ("2026-12-03T10:00:00.000Z_3fa2…"). */
function encodeCursor(call: { startedAt: Date; connId: string }): string {
  return `${call.startedAt.toISOString()}_${call.connId}`;
}

function decodeCursor(cursor: string): { startedAt: Date; connId: string } {
  const split = cursor.indexOf("_");
  const startedAt = new Date(cursor.slice(0, split));
  if (split <= 0 || Number.isNaN(startedAt.getTime()))
    throw new AppError(AppErrorCode.INVALID_INPUT, "This page cursor is not one the call list gave.", {
      field: "cursor",
    });
  return { startedAt, connId: cursor.slice(split + 1) };
}

/**
 * The call view: recorded calls, one per ConnID, newest first, each with all its recording
 * sessions (both sides, every start, pause, resume, stop and continuation, who did each and why),
 * its parties, agents, recorders, span and state. Calls are paged and filtered on their summary
 * rows (RecordedCall, kept by RecordingHistoryService), so a page costs the same with 100,000
 * sessions as with ten; only the page's sessions are read.
 */
export class RecordedCallService {
  constructor(private readonly db: Db) {}

  async list(filter: RecordedCallsFilter): Promise<RecordedCallPage> {
    const where = await this.whereOf(filter);
    if (where === null) return { calls: [], nextCursor: null };
    const after = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
    const rows = await this.db.recordedCall.findMany({
      where: after
        ? {
            AND: [
              where,
              {
                OR: [
                  { startedAt: { lt: after.startedAt } },
                  { startedAt: after.startedAt, connId: { lt: after.connId } },
                ],
              },
            ],
          }
        : where,
      orderBy: [{ startedAt: "desc" }, { connId: "desc" }],
      take: filter.limit + 1,
    });
    const page = rows.slice(0, filter.limit);
    const more = rows.length > filter.limit;
    return { calls: await this.views(page), nextCursor: more ? encodeCursor(page.at(-1)!) : null };
  }

  /** The filter on summary rows, or null when nothing can match (an agent name no one has). */
  private async whereOf(filter: RecordedCallsFilter): Promise<Prisma.RecordedCallWhereInput | null> {
    const and: Prisma.RecordedCallWhereInput[] = [];
    if (filter.state !== undefined) and.push({ state: filter.state });
    if (filter.hasPause !== undefined) and.push({ hasPause: filter.hasPause });
    if (filter.from !== undefined) and.push({ startedAt: { gte: filter.from } });
    if (filter.to !== undefined) and.push({ startedAt: { lte: filter.to } });
    if (filter.minDurationSeconds !== undefined)
      and.push({ durationMs: { gte: filter.minDurationSeconds * 1000 } });
    if (filter.maxDurationSeconds !== undefined)
      and.push({ durationMs: { lte: filter.maxDurationSeconds * 1000 } });
    if (filter.dn !== undefined) and.push({ dns: { contains: ` ${filter.dn} ` } });
    if (filter.customer !== undefined)
      and.push({
        OR: [
          { callerNumber: containsText(this.db, filter.customer) },
          { calleeNumber: containsText(this.db, filter.customer) },
        ],
      });
    if (filter.agent !== undefined) {
      const logins = await this.agentLoginsNamed(filter.agent);
      if (logins.length === 0) return null;
      and.push({ OR: logins.map((login) => ({ agentIds: { contains: ` ${login} ` } })) });
    }
    if (filter.text !== undefined) {
      const connIds = await this.callsWithText(filter.text);
      if (connIds.length === 0) return null;
      and.push({ connId: { in: connIds } });
    }
    return { AND: and };
  }

  /** The agent logins whose code is `agent`, or whose name or user's name contains it. */
  private async agentLoginsNamed(agent: string): Promise<string[]> {
    const [logins, users] = await Promise.all([
      this.db.agentLogin.findMany({
        where: { OR: [{ loginCode: agent }, { name: containsText(this.db, agent) }] },
        select: { loginCode: true },
        take: MAX_AGENT_MATCHES,
      }),
      this.db.user.findMany({
        where: { username: containsText(this.db, agent), agentLoginCode: { not: null } },
        select: { agentLoginCode: true },
        take: MAX_AGENT_MATCHES,
      }),
    ]);
    const codes = new Set([agent, ...logins.map((l) => l.loginCode), ...users.map((u) => u.agentLoginCode!)]);
    return [...codes].slice(0, MAX_AGENT_MATCHES);
  }

  /** The calls with a recording whose id, ConnID or params contain `text`. */
  private async callsWithText(text: string): Promise<string[]> {
    const rows = await this.db.recordingSession.findMany({
      where: {
        OR: [
          { id: containsText(this.db, text) },
          { connId: containsText(this.db, text) },
          { params: containsText(this.db, text) },
        ],
      },
      select: { connId: true },
      distinct: ["connId"],
      take: MAX_TEXT_MATCHES,
    });
    return rows.map((r) => r.connId);
  }

  /** The page's calls with their sessions, agents and every actor named. */
  private async views(
    calls: Awaited<ReturnType<Db["recordedCall"]["findMany"]>>,
  ): Promise<RecordedCallView[]> {
    if (calls.length === 0) return [];
    const sessions: SessionRow[] = await this.db.recordingSession.findMany({
      where: { connId: { in: calls.map((c) => c.connId) } },
      orderBy: [{ startedAt: "asc" }, { id: "asc" }],
      include: {
        transitions: { orderBy: { at: "asc" } },
        pauses: { orderBy: { pausedAt: "asc" } },
        gaps: { orderBy: { startedAt: "asc" } },
      },
    });
    const logins = [...new Set(sessions.map((s) => s.agentId).filter((a) => a !== ""))];
    const usernames = [...usernamesIn(sessions)];
    const [agentLogins, agentUsers, named] = await Promise.all([
      this.db.agentLogin.findMany({
        where: { loginCode: { in: logins } },
        select: { loginCode: true, name: true },
      }),
      this.db.user.findMany({
        where: { agentLoginCode: { in: logins } },
        select: { agentLoginCode: true, username: true },
      }),
      this.db.user.findMany({
        where: { username: { in: usernames } },
        select: { username: true, role: true },
      }),
    ]);
    const nameOf = new Map(agentLogins.map((a) => [a.loginCode, a.name]));
    const userOf = new Map(agentUsers.map((u) => [u.agentLoginCode!, u.username]));
    const roles = new Map<string, Role>(named.flatMap((u) => (isRole(u.role) ? [[u.username, u.role]] : [])));
    const roleOf = (username: string) => roles.get(username);
    const agentName = (login: string) => nameOf.get(login) ?? "";
    const byCall = new Map<string, SessionRow[]>();
    for (const session of sessions)
      byCall.set(session.connId, [...(byCall.get(session.connId) ?? []), session]);
    return calls.map((call) => {
      const rows = byCall.get(call.connId) ?? [];
      const agents = [...new Set(rows.map((s) => s.agentId).filter((a) => a !== ""))];
      return {
        connId: call.connId,
        callId: call.callId,
        caller: { number: call.callerNumber, dn: call.callerDn },
        callee: { number: call.calleeNumber, dn: call.calleeDn },
        agents: agents.map((login) => ({
          login,
          name: nameOf.get(login) ?? "",
          username: userOf.get(login) ?? "",
        })),
        startedAt: call.startedAt,
        endedAt: call.endedAt,
        durationMs: call.durationMs,
        hasPause: call.hasPause,
        state: call.state as CallState,
        recorders: [...new Set(rows.map((s) => s.recorderUri).filter((r) => r !== ""))],
        sessions: rows.map((row) => sessionView(row, roleOf, agentName)),
      };
    });
  }
}
