import type { TEvent } from "../../cti/t-library-events";
import type { Db } from "../db";

/**
 * For one event stream: adds `ByRole` (agent, supervisor, admin) to an EventPrivateInfo whose
 * recording change a user asked for (`reason` "user:dana…"), so the agent's activity list can say
 * "Recording paused by supervisor dana". Roles are read once per user and stream.
 */
export function withRequesterRole(db: Db): (event: TEvent) => Promise<TEvent> {
  const roles = new Map<string, string | null>();
  return async (event) => {
    if (event.event !== "EventPrivateInfo") return event;
    const user = /^user:([^ ]+)/.exec(event.userData.reason ?? "");
    if (user === null) return event;
    const username = user[1]!;
    if (!roles.has(username)) {
      const row = await db.user.findUnique({ where: { username }, select: { role: true } });
      roles.set(username, row?.role ?? null);
    }
    const role = roles.get(username);
    return role == null ? event : { ...event, userData: { ...event.userData, ByRole: role } };
  };
}
