import type { Role } from "../../../common/roles";

/** What naming an actor needs beyond the history's own string. */
export type ActorContext = {
  /** The role of a user named in the history, when that user still exists. */
  roleOf: (username: string) => Role | undefined;
  /** The agent login of the recorded side and its name ("" when none). */
  agentId: string;
  agentName: string;
};

const ROLE_LABEL: Record<Role, string> = { agent: "agent", supervisor: "supervisor", admin: "admin" };

/** "dana (supervisor)", "ci (API token, admin)", or the name alone for a user no longer known. */
function person(label: string, ctx: ActorContext): string {
  const token = label.endsWith(" (API token)");
  const username = token ? label.slice(0, -" (API token)".length) : label;
  const role = ctx.roleOf(username);
  const about = [token ? "API token" : "", role === undefined ? "" : ROLE_LABEL[role]].filter(
    (x) => x !== "",
  );
  return about.length === 0 ? username : `${username} (${about.join(", ")})`;
}

/** Who the history's `by` strings name, as the system writes them (recording-service.ts). */
const FIXED: Record<string, string> = {
  "": "—",
  route: "Routing strategy",
  "media-engine": "Media engine",
  "media-engine-loss": "Media engine lost",
  system: "System",
  call: "The call",
  "max-pause": "Pause limit",
};

/**
 * The history's record of who did something — "full_time_agent:1004", "user:dana via cti:1004",
 * "cti:1003", "media-engine" — in words a supervisor reads: "Full-time: agent login 5001 (Dana
 * Smith) on 1004", "dana (supervisor) via CTI on 1004", "CTI client on 1003", "Media engine". A
 * string of no known form (older histories) is shown as it is.
 */
export function describeActor(by: string, ctx: ActorContext): string {
  const fixed = FIXED[by];
  if (fixed !== undefined) return fixed;
  const fullTime = /^full_time_(dn|agent|trunk):(.*)$/.exec(by);
  if (fullTime !== null) {
    const [, kind, dn] = fullTime;
    if (kind === "dn") return `Full-time: extension ${dn}`;
    if (kind === "trunk") return `Full-time: trunk ${dn}`;
    if (ctx.agentId === "") return `Full-time: agent login on ${dn}`;
    return `Full-time: agent login ${ctx.agentId}${ctx.agentName === "" ? "" : ` (${ctx.agentName})`} on ${dn}`;
  }
  const route = /^route:(.+)$/.exec(by);
  if (route !== null) return `Routing strategy at ${route[1]}`;
  const viaCti = /^user:(.+) via cti:(.+)$/.exec(by);
  if (viaCti !== null) return `${person(viaCti[1]!, ctx)} via CTI on ${viaCti[2]}`;
  const cti = /^cti:(.+)$/.exec(by);
  if (cti !== null) return `CTI client on ${cti[1]}`;
  const user = /^user:(.+)$/.exec(by);
  if (user !== null) return person(user[1]!, ctx);
  return by;
}

/**
 * What started a recording, named by who asked: a mid-call start is a "Supervisor start", an
 * "Agent start" or a "CTI start", never the T-Library's "private service".
 */
export function describeStart(trigger: string, requestedBy: string, ctx: ActorContext): string {
  const who = describeActor(requestedBy, ctx);
  if (trigger.startsWith("full_time_")) return who.startsWith("Full-time") ? who : `Full-time, by ${who}`;
  if (trigger === "route")
    return requestedBy === "route" ? "Routing strategy" : `Routing strategy, by ${who}`;
  const user = /^user:(.+?)(?: via cti:.+)?$/.exec(requestedBy);
  if (user !== null) {
    const label = user[1]!;
    const role = ctx.roleOf(label.replace(/ \(API token\)$/, ""));
    const kind = label.endsWith(" (API token)")
      ? "API start"
      : role === undefined
        ? "Start"
        : role === "agent"
          ? "Agent start"
          : "Supervisor start";
    return `${kind} by ${who}`;
  }
  if (requestedBy.startsWith("cti:")) return `CTI start by ${who}`;
  return `Started by ${who}`;
}
