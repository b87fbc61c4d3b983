import type { RecordSide, RecordingTrigger } from "../../../common/schemas/recording-schemas";
import type { CallState } from "../../../common/schemas/recording-schemas";
import type { RecordingState } from "./recording-session-state";
import { type ActorContext, describeActor, describeStart } from "./describe-actor";

/** What happened to a recording, in order: a state change with who did it and why. */
export type RecordingEventKind =
  "start" | "recording" | "pause" | "resume" | "stop" | "fail" | "interrupt" | "continue" | "note";

export type RecordingEventView = {
  kind: RecordingEventKind;
  at: Date;
  /** Who, in words (describeActor); `by` is the history's own string. */
  actor: string;
  by: string;
  /** Why, when somebody said (a stop's reason, a failure); "" otherwise. */
  reason: string;
};

export type CallSessionView = {
  id: string;
  side: RecordSide;
  dn: string;
  agentId: string;
  trigger: RecordingTrigger;
  /** "Supervisor start by dana (supervisor)", "Full-time: extension 1003", … */
  startedBy: string;
  recorderUri: string;
  state: RecordingState;
  outcome: "" | "complete" | "incomplete";
  outcomeReason: string;
  params: Record<string, string>;
  copyOf: string;
  segments: number;
  packetsSent: number;
  packetsAcked: number;
  startedAt: Date;
  endedAt: Date | null;
  events: RecordingEventView[];
  pauses: { pausedAt: Date; resumedAt: Date | null; pausedBy: string; resumedBy: string }[];
  gaps: { startedAt: Date; endedAt: Date | null; recorderUri: string; reason: string }[];
};

export type CallAgentView = { login: string; name: string; username: string };

export type RecordedCallView = {
  connId: string;
  callId: string;
  caller: { number: string; dn: string };
  callee: { number: string; dn: string };
  agents: CallAgentView[];
  startedAt: Date;
  endedAt: Date | null;
  durationMs: number | null;
  hasPause: boolean;
  state: CallState;
  recorders: string[];
  sessions: CallSessionView[];
};

export type SessionRow = {
  id: string;
  connId: string;
  side: string;
  dn: string;
  agentId: string;
  trigger: string;
  requestedBy: string;
  recorderUri: string;
  state: string;
  outcome: string;
  outcomeReason: string;
  params: string;
  copyOf: string;
  segments: number;
  packetsSent: number;
  packetsAcked: number;
  startedAt: Date;
  endedAt: Date | null;
  transitions: { fromState: string; toState: string; at: Date; by: string; reason: string }[];
  pauses: { pausedAt: Date; resumedAt: Date | null; pausedBy: string; resumedBy: string }[];
  gaps: { startedAt: Date; endedAt: Date | null; recorderUri: string; reason: string }[];
};

/** Which event a move between two states is. */
export function eventKindOf(from: string, to: string): RecordingEventKind {
  if (from === to) return "note";
  if (from === "") return "start";
  if (to === "paused") return from === "interrupted" ? "continue" : "pause";
  if (to === "recording")
    return from === "paused" ? "resume" : from === "interrupted" ? "continue" : "recording";
  if (to === "stopped") return "stop";
  if (to === "failed") return "fail";
  if (to === "interrupted") return "interrupt";
  return "note";
}

/** The history's reason when it only repeats the move (a pause's "pause", a start's trigger). */
function ownReason(kind: RecordingEventKind, reason: string, trigger: string): string {
  if (kind === "start" && reason === trigger) return "";
  // The engine's own words for the move ("stopped", "failed") say nothing the move does not.
  if (reason === kind || reason === `${kind}ped` || reason === `${kind}ed`) return "";
  if (kind === "recording" && reason === "start") return "";
  return reason;
}

/** Parses the JSON params column, keeping only string values (what the column promises). */
function paramsOf(json: string): Record<string, string> {
  try {
    const value: unknown = JSON.parse(json);
    if (typeof value !== "object" || value === null) return {};
    return Object.fromEntries(
      Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
    );
  } catch {
    return {};
  }
}

/** One session of a call, with every actor named (describeActor) for its agent login. */
export function sessionView(
  row: SessionRow,
  roleOf: ActorContext["roleOf"],
  agentName: (login: string) => string,
): CallSessionView {
  const ctx: ActorContext = { roleOf, agentId: row.agentId, agentName: agentName(row.agentId) };
  return {
    id: row.id,
    side: row.side as RecordSide,
    dn: row.dn,
    agentId: row.agentId,
    trigger: row.trigger as RecordingTrigger,
    startedBy: describeStart(row.trigger, row.requestedBy, ctx),
    recorderUri: row.recorderUri,
    state: row.state as RecordingState,
    outcome: row.outcome === "complete" || row.outcome === "incomplete" ? row.outcome : "",
    outcomeReason: row.outcomeReason,
    params: paramsOf(row.params),
    copyOf: row.copyOf,
    segments: row.segments,
    packetsSent: row.packetsSent,
    packetsAcked: row.packetsAcked,
    startedAt: row.startedAt,
    endedAt: row.endedAt,
    events: row.transitions.map((t) => {
      const kind = eventKindOf(t.fromState, t.toState);
      return {
        kind,
        at: t.at,
        actor: kind === "start" ? describeStart(row.trigger, t.by, ctx) : describeActor(t.by, ctx),
        by: t.by,
        reason: ownReason(kind, t.reason, row.trigger),
      };
    }),
    pauses: row.pauses.map((p) => ({
      pausedAt: p.pausedAt,
      resumedAt: p.resumedAt,
      pausedBy: describeActor(p.pausedBy, ctx),
      resumedBy: p.resumedAt === null ? "" : describeActor(p.resumedBy, ctx),
    })),
    gaps: row.gaps.map((g) => ({
      startedAt: g.startedAt,
      endedAt: g.endedAt,
      recorderUri: g.recorderUri,
      reason: g.reason,
    })),
  };
}

/** The users named in a history's `by` strings ("user:dana via cti:1004" → dana). */
export function usernamesIn(rows: readonly SessionRow[]): Set<string> {
  const names = new Set<string>();
  const add = (by: string) => {
    const user = /^user:(.+?)(?: via cti:.+)?$/.exec(by);
    if (user !== null) names.add(user[1]!.replace(/ \(API token\)$/, ""));
  };
  for (const row of rows) {
    add(row.requestedBy);
    for (const t of row.transitions) add(t.by);
    for (const p of row.pauses) {
      add(p.pausedBy);
      add(p.resumedBy);
    }
  }
  return names;
}
