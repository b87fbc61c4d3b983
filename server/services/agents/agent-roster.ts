import type { Db } from "../db";
import type { AgentState } from "./agent-state-service";

export type RosterEntry = AgentState & {
  /** The Agent Login's name ("" when it has none or was deleted). */
  name: string;
  /** The user bound to this agent login, if any. */
  username: string | null;
};

/**
 * The agents logged in now, as supervisors see them: each with its Agent Login's name and the
 * user it belongs to, beside its state (Ready / Not Ready and the reason code) and since when.
 */
export async function agentRoster(db: Db, agents: AgentState[]): Promise<RosterEntry[]> {
  if (agents.length === 0) return [];
  const codes = agents.map((a) => a.agentId);
  const [logins, users] = await Promise.all([
    db.agentLogin.findMany({ where: { loginCode: { in: codes } }, select: { loginCode: true, name: true } }),
    db.user.findMany({
      where: { agentLoginCode: { in: codes } },
      select: { agentLoginCode: true, username: true },
    }),
  ]);
  const nameOf = new Map(logins.map((l) => [l.loginCode, l.name]));
  const userOf = new Map(users.map((u) => [u.agentLoginCode, u.username]));
  return agents.map((a) => ({
    ...a,
    name: nameOf.get(a.agentId) ?? "",
    username: userOf.get(a.agentId) ?? null,
  }));
}
