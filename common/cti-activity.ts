/**
 * The agent's activity list (issue 17 §9): the T-Library events of the agent's extension put in
 * sentences a person reads — "Call from +33 1 23 45 67 89 answered", "Recording paused by
 * supervisor dana", "Ready" — newest first and bounded. Pure: the softphone feeds it the events of
 * `cti.events` as they come; the tests feed it vectors of the server's events.
 */

/** What the activity needs of a T-Library event (the shape `cti.events` delivers). */
export type ActivityEvent = {
  /** Unique across server restarts: the same event stored and live is one entry. */
  id: string;
  event: string;
  seq: number;
  time: Date;
  thisDn: string;
  otherDn: string | null;
  connId: string | null;
  agentId: string | null;
  userData: Record<string, string>;
  error?: { code: string; message: string };
};

export type ActivityEntry = {
  /** The event's id: a stable key. */
  key: string;
  at: Date;
  text: string;
  tone: "info" | "good" | "warn" | "error";
};

type CallContext = { direction: "in" | "out"; other: string; establishedAt: Date | null };

export type ActivityState = {
  /** Newest first, at most `limit`. */
  entries: ActivityEntry[];
  /** Calls in progress on the extension, by ConnID: what a later event of the call refers to. */
  calls: Record<string, CallContext>;
};

export type ActivityContext = {
  /** The signed-in user's name: their own actions read "by you". */
  me: string;
  /** How many entries are kept (default 50). */
  limit?: number;
};

export const EMPTY_ACTIVITY: ActivityState = { entries: [], calls: {} };
export const ACTIVITY_LIMIT = 50;

/**
 * A phone number as people write it: French and North American E.164 numbers grouped
 * ("+33 1 23 45 67 89", "+1 415 555 0100"), anything else as it is.
 */
export function formatPhoneNumber(number: string): string {
  const fr = /^\+33(\d)(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(number);
  if (fr !== null) return `+33 ${fr.slice(1).join(" ")}`;
  const nanp = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(number);
  if (nanp !== null) return `+1 ${nanp.slice(1).join(" ")}`;
  return number;
}

function duration(from: Date, to: Date): string {
  const s = Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/**
 * Who a recording change names (the history's `by`, carried as the event's `reason`), in words:
 * "you", "supervisor dana", "the full-time rule of extension 1003", "the pause limit".
 */
export function describeRecordingActor(by: string, role: string | undefined, ctx: ActivityContext): string {
  const user = /^user:([^ ]+?)(?: \(API token\))?(?: via cti:.+)?$/.exec(by);
  if (user !== null) {
    const name = user[1]!;
    if (name === ctx.me) return "you";
    return role === undefined || role === "" ? name : `${role} ${name}`;
  }
  // The standing policy names the rule alone ("full_time_dn"); the history adds the DN.
  const rule = /^full_time_(dn|agent|trunk)$/.exec(by);
  if (rule !== null)
    return rule[1] === "dn"
      ? "the extension's full-time rule"
      : rule[1] === "agent"
        ? "the agent login's full-time rule"
        : "the trunk's full-time rule";
  const fullTime = /^full_time_(dn|agent|trunk):(.+)$/.exec(by);
  if (fullTime !== null) {
    const [, kind, dn] = fullTime;
    if (kind === "agent") return `the full-time rule of your agent login (on ${dn})`;
    if (kind === "trunk") return `the full-time rule of trunk ${dn}`;
    return `the full-time rule of extension ${dn}`;
  }
  const cti = /^cti:(.+)$/.exec(by);
  if (cti !== null) return `a CTI client on ${cti[1]}`;
  if (by === "max-pause") return "the pause limit";
  if (by === "media-engine") return "the media engine";
  if (by === "route" || by.startsWith("route:")) return "the routing strategy";
  if (by === "party left (transfer)") return "the transfer";
  return by === "" ? "the system" : by;
}

const RECORDING_VERB: Record<string, string> = {
  "3013": "started",
  "3014": "stopped",
  "3015": "paused",
  "3016": "resumed",
};

/** One event in words, or null for those an agent need not see (EventACK, routing points). */
export function describeEvent(
  event: ActivityEvent,
  call: CallContext | undefined,
  ctx: ActivityContext,
): Pick<ActivityEntry, "text" | "tone"> | null {
  const other = formatPhoneNumber(call?.other ?? event.otherDn ?? "an unknown number");
  switch (event.event) {
    case "EventRinging":
      return { text: `Incoming call from ${other}`, tone: "info" };
    case "EventDialing":
      return { text: `Calling ${other}`, tone: "info" };
    case "EventEstablished":
      return { text: `Call ${call?.direction === "out" ? "to" : "from"} ${other} answered`, tone: "good" };
    case "EventReleased": {
      const direction = call?.direction === "out" ? "to" : "from";
      if (call?.establishedAt != null)
        return {
          text: `Call ${direction} ${other} ended (${duration(call.establishedAt, event.time)})`,
          tone: "info",
        };
      if (call?.direction === "in") return { text: `Missed call from ${other}`, tone: "warn" };
      return { text: `Call ${direction} ${other} not answered`, tone: "warn" };
    }
    case "EventPrivateInfo": {
      const verb = RECORDING_VERB[event.userData.AttrPrivateMsgID ?? ""];
      if (verb === undefined) return null;
      const side = event.userData.GSIP_REC_SIDE;
      const whose =
        call === undefined || (side !== "source" && side !== "destination")
          ? ""
          : (side === "source") === (call.direction === "out")
            ? " (your side)"
            : " (the other side)";
      const by = describeRecordingActor(event.userData.reason ?? "", event.userData.ByRole, ctx);
      return {
        text: `Recording ${verb}${whose} by ${by}`,
        tone: verb === "paused" || verb === "stopped" ? "warn" : "info",
      };
    }
    case "EventAgentLogin":
      return {
        text: `Logged in as agent ${event.agentId ?? ""}${event.userData.AgentName ? ` (${event.userData.AgentName})` : ""}`,
        tone: "info",
      };
    case "EventAgentLogout":
      return { text: `Logged out as agent ${event.agentId ?? ""}`, tone: "info" };
    case "EventAgentReady":
      return { text: "Ready", tone: "good" };
    case "EventAgentNotReady":
      return {
        text: event.userData.ReasonCode ? `Not Ready (${event.userData.ReasonCode})` : "Not Ready",
        tone: "warn",
      };
    case "EventRegistered":
      return { text: `Extension ${event.thisDn} registered`, tone: "info" };
    case "EventUnregistered":
      return {
        text: `Extension ${event.thisDn} unregistered${event.userData.reason === "expired" ? " (registration expired)" : ""}`,
        tone: "warn",
      };
    case "EventError":
      return { text: `Refused: ${event.error?.message ?? "the server refused a request"}`, tone: "error" };
    default:
      return null;
  }
}

/** The activity after one more event: its sentence on top (at most `limit` kept), calls followed. */
export function nextActivity(
  state: ActivityState,
  event: ActivityEvent,
  ctx: ActivityContext,
): ActivityState {
  const calls = { ...state.calls };
  const connId = event.connId;
  if (connId !== null) {
    if (event.event === "EventRinging")
      calls[connId] = { direction: "in", other: event.otherDn ?? "", establishedAt: null };
    if (event.event === "EventDialing")
      calls[connId] = { direction: "out", other: event.otherDn ?? "", establishedAt: null };
  }
  const before = connId === null ? undefined : calls[connId];
  if (connId !== null && event.event === "EventEstablished")
    calls[connId] = {
      direction: before?.direction ?? "in",
      other: before?.other || event.otherDn || "",
      establishedAt: event.time,
    };
  const described = describeEvent(event, connId === null ? undefined : calls[connId], ctx);
  if (connId !== null && event.event === "EventReleased") delete calls[connId];
  if (described === null) return { entries: state.entries, calls };
  const entry: ActivityEntry = { key: event.id, at: event.time, ...described };
  return { entries: [entry, ...state.entries].slice(0, ctx.limit ?? ACTIVITY_LIMIT), calls };
}

/** Every event in the order they came (oldest first). */
export function activityOf(events: readonly ActivityEvent[], ctx: ActivityContext): ActivityState {
  return events.reduce((state, event) => nextActivity(state, event, ctx), EMPTY_ACTIVITY);
}

/**
 * The events the server kept (oldest first) then those that came live since, each once: the
 * live stream may repeat the newest kept ones (it was open while they were being written).
 */
export function keptThenLive<E extends { id: string }>(kept: readonly E[], live: readonly E[]): E[] {
  const ids = new Set(kept.map((e) => e.id));
  return [...kept, ...live.filter((e) => !ids.has(e.id))];
}
