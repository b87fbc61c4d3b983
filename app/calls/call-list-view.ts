import type { RouterOutputs } from "../_lib/trpc";

type CallRow = RouterOutputs["calls"]["list"][number];

export const SORTS = ["start", "newest", "duration", "agent"] as const;
export type Sort = (typeof SORTS)[number];
export const SORT_LABELS: Record<Sort, string> = {
  start: "Start time (oldest first)",
  newest: "Start time (newest first)",
  duration: "Duration (longest first)",
  agent: "Agent",
};

export const RECORDING_FILTERS = [
  "recording",
  "paused",
  "starting",
  "interrupted",
  "stopped",
  "failed",
  "none",
] as const;
export type RecordingFilter = (typeof RECORDING_FILTERS)[number];
export const RECORDING_FILTER_LABELS: Record<RecordingFilter, string> = {
  recording: "recording",
  paused: "paused",
  starting: "starting",
  interrupted: "interrupted",
  stopped: "stopped",
  failed: "failed",
  none: "not recorded now",
};

/** What Live calls shows, as kept in the address (?agent=&dn=&rec=&q=&sort=&group=agent). */
export type CallListView = {
  /** An agent login code, "none" for calls without an agent, "" for any. */
  agent: string;
  dn: string;
  recording: RecordingFilter | "";
  text: string;
  sort: Sort;
  groupByAgent: boolean;
};

export const DEFAULT_VIEW: CallListView = {
  agent: "",
  dn: "",
  recording: "",
  text: "",
  sort: "start",
  groupByAgent: false,
};

const oneOf = <T extends string>(values: readonly T[], value: string | null): T | undefined =>
  values.find((v) => v === value);

export function viewFromQuery(query: string): CallListView {
  const params = new URLSearchParams(query);
  return {
    agent: params.get("agent")?.slice(0, 64) ?? "",
    dn: params.get("dn")?.slice(0, 64) ?? "",
    recording: oneOf(RECORDING_FILTERS, params.get("rec")) ?? "",
    text: params.get("q")?.slice(0, 128) ?? "",
    sort: oneOf(SORTS, params.get("sort")) ?? "start",
    groupByAgent: params.get("group") === "agent",
  };
}

/** The query string of a view, without the defaults ("" when nothing is set). */
export function viewToQuery(view: CallListView): string {
  const params = new URLSearchParams();
  if (view.agent) params.set("agent", view.agent);
  if (view.dn) params.set("dn", view.dn);
  if (view.recording) params.set("rec", view.recording);
  if (view.text) params.set("q", view.text);
  if (view.sort !== "start") params.set("sort", view.sort);
  if (view.groupByAgent) params.set("group", "agent");
  const query = params.toString();
  return query === "" ? "" : `?${query}`;
}

/** The call's agent: the callee's (an inbound call to an agent), else the caller's. */
export function agentOf(call: CallRow): { id: string; name: string } | null {
  return call.callee?.agent ?? call.caller.agent ?? null;
}

const LIVE = new Set(["starting", "recording", "paused", "interrupted"]);

function matchesRecording(call: CallRow, filter: RecordingFilter): boolean {
  if (filter === "none") return !call.recordings.some((r) => LIVE.has(r.state));
  if (filter === "paused")
    return call.recordings.some((r) => r.state === "paused" || (LIVE.has(r.state) && r.paused));
  return call.recordings.some((r) => r.state === filter);
}

function matchesText(call: CallRow, text: string): boolean {
  const needle = text.trim().toLowerCase();
  if (needle === "") return true;
  const agent = agentOf(call);
  const haystack = [
    call.connId,
    call.dialed,
    ...[call.caller, call.callee].flatMap((p) =>
      p === null ? [] : [p.number, p.dn, p.name, p.agent?.id, p.agent?.name],
    ),
    agent?.id,
    ...call.recordings.map((r) => r.id),
  ];
  return haystack.some((value) => value !== undefined && value.toLowerCase().includes(needle));
}

export function filterCalls(calls: readonly CallRow[], view: CallListView): CallRow[] {
  const dn = view.dn.trim().toLowerCase();
  return calls.filter((call) => {
    const agent = agentOf(call);
    if (view.agent === "none" && agent !== null) return false;
    if (view.agent !== "" && view.agent !== "none" && agent?.id !== view.agent) return false;
    if (
      dn !== "" &&
      ![call.caller, call.callee].some(
        (p) => p !== null && (p.dn.toLowerCase() === dn || p.number.toLowerCase() === dn),
      )
    )
      return false;
    if (view.recording !== "" && !matchesRecording(call, view.recording)) return false;
    return matchesText(call, view.text);
  });
}

const talkStart = (call: CallRow) => new Date(call.establishedAt ?? call.startedAt).getTime();
const agentKey = (call: CallRow) => {
  const agent = agentOf(call);
  // Calls without an agent sort last.
  return agent === null ? "\uffff" : `${agent.name || agent.id} ${agent.id}`.toLowerCase();
};

export function sortCalls(calls: readonly CallRow[], sort: Sort): CallRow[] {
  const started = (c: CallRow) => new Date(c.startedAt).getTime();
  const byStart = (a: CallRow, b: CallRow) => started(a) - started(b) || a.connId.localeCompare(b.connId);
  const compare: Record<Sort, (a: CallRow, b: CallRow) => number> = {
    start: byStart,
    newest: (a, b) => -byStart(a, b),
    duration: (a, b) => talkStart(a) - talkStart(b) || byStart(a, b),
    agent: (a, b) => agentKey(a).localeCompare(agentKey(b)) || byStart(a, b),
  };
  return [...calls].sort(compare[sort]);
}

export type CallGroup = { key: string; label: string; calls: CallRow[] };

/** Groups in the order their first call comes (so the sort decides), calls without an agent last. */
export function groupByAgent(calls: readonly CallRow[]): CallGroup[] {
  const groups = new Map<string, CallGroup>();
  for (const call of calls) {
    const agent = agentOf(call);
    const key = agent?.id ?? "";
    const label = agent === null ? "No agent" : `Agent ${agent.id}${agent.name ? ` · ${agent.name}` : ""}`;
    const group = groups.get(key) ?? { key, label, calls: [] };
    group.calls.push(call);
    groups.set(key, group);
  }
  const none = groups.get("");
  groups.delete("");
  return [...groups.values(), ...(none ? [none] : [])];
}
