"use client";

import { Fragment } from "react";
import { type PlaybackRecorder, RecordingPlayback } from "./recording-playback";
import { CallTimeAxis, type CallSession, type RecordedCall, clock, sideLabel } from "./call-time-axis";

const STATE_STYLE: Record<RecordedCall["state"], string> = {
  live: "bg-amber-100 text-amber-900",
  complete: "bg-emerald-100 text-emerald-900",
  incomplete: "bg-red-700 text-white",
  failed: "bg-slate-800 text-white",
};

const EVENT_VERB: Record<CallSession["events"][number]["kind"], string> = {
  start: "start asked",
  recording: "recording started",
  pause: "paused",
  resume: "resumed",
  stop: "stopped",
  fail: "failed",
  interrupt: "recorder lost",
  continue: "continued",
  note: "note",
};

/** "+15550100 (pstn)", or the DN alone when the number is the DN. */
function party(p: { number: string; dn: string }): string {
  if (p.number === "" && p.dn === "") return "—";
  if (p.number === "" || p.number === p.dn) return p.dn || p.number;
  return p.dn === "" ? p.number : `${p.number} (${p.dn})`;
}

/** "agent 5001 · Alice (agent)": the login, its name and the user who logs in with it. */
function agentLabel(agent: RecordedCall["agents"][number]): string {
  const who = [agent.name, agent.username === "" ? "" : `user ${agent.username}`].filter((x) => x !== "");
  return `agent ${agent.login}${who.length === 0 ? "" : ` · ${who.join(", ")}`}`;
}

/**
 * One recorded call: its parties, agents, span and state, its sessions on one time axis, and per
 * session who started, paused, resumed and stopped it and why, its params, recorder and player.
 */
export function CallCard(props: { call: RecordedCall; recorders: readonly PlaybackRecorder[]; now: number }) {
  const { call } = props;
  const duration = (call.endedAt?.getTime() ?? props.now) - call.startedAt.getTime();
  return (
    <li
      data-testid={`call-${call.connId}`}
      aria-label={`call ${party(call.caller)} → ${party(call.callee)}`}
      className="rounded-lg border border-slate-200 bg-white p-3 text-sm"
    >
      <div className="mb-2 flex flex-wrap items-baseline gap-x-4 gap-y-1">
        <span className="font-medium" data-testid="call-parties">
          {party(call.caller)} → {party(call.callee)}
        </span>
        {call.agents.map((agent) => (
          <span key={agent.login} data-testid="call-agent">
            {agentLabel(agent)}
          </span>
        ))}
        <span className="text-slate-600" data-testid="call-span">
          {call.startedAt.toLocaleString()} – {call.endedAt ? call.endedAt.toLocaleTimeString() : "in progress"}
        </span>
        <span data-testid="call-duration">{call.durationMs === null ? `${clock(duration)} so far` : clock(call.durationMs)}</span>
        <span className="ml-auto flex gap-1">
          {call.hasPause && <span className="rounded bg-slate-200 px-2 py-0.5 text-xs">paused</span>}
          <span data-testid="call-state" className={`rounded px-2 py-0.5 text-xs ${STATE_STYLE[call.state]}`}>
            {call.state}
          </span>
        </span>
      </div>
      <CallTimeAxis call={call} now={props.now} />
      <p className="mt-1 text-xs text-slate-500">
        ConnID <code>{call.connId}</code> · {call.sessions.length} recording session{call.sessions.length === 1 ? "" : "s"}
        {call.recorders.length > 0 ? ` · recorder ${call.recorders.join(", ")}` : ""}
      </p>
      <ul aria-label="Recording sessions" className="mt-2 grid gap-2">
        {call.sessions.map((session) => (
          <SessionRow key={session.id} session={session} recorders={props.recorders} />
        ))}
      </ul>
    </li>
  );
}

function SessionRow({ session, recorders }: { session: CallSession; recorders: readonly PlaybackRecorder[] }) {
  const params = Object.entries(session.params);
  return (
    <li data-testid={`recording-${session.id}`} className="rounded border border-slate-100 bg-slate-50 p-2 text-xs">
      <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
        <span className="font-medium">{sideLabel(session)}</span>
        <span data-testid="session-started-by">{session.startedBy}</span>
        <span className="text-slate-600">recorder {session.recorderUri || "—"}</span>
        {session.segments > 1 && <span>{session.segments} segments</span>}
        <span className="ml-auto flex gap-1">
          {session.outcome !== "" && (
            <span
              title={session.outcomeReason}
              className={`rounded px-2 py-0.5 ${session.outcome === "complete" ? "bg-emerald-100 text-emerald-900" : "bg-red-700 text-white"}`}
            >
              {session.outcome}
            </span>
          )}
          <span className={`rounded px-2 py-0.5 ${session.state === "interrupted" ? "bg-amber-500 text-white" : "bg-slate-200"}`}>
            {session.state}
          </span>
        </span>
      </div>
      {params.length > 0 && (
        <p className="mt-1" data-testid="session-params">
          params{" "}
          {params.map(([key, value], index) => (
            <Fragment key={key}>
              {index > 0 && " "}
              <code className="rounded bg-white px-1">
                {key}={value}
              </code>
            </Fragment>
          ))}
        </p>
      )}
      <ol className="mt-1 grid gap-0.5 text-slate-700" aria-label={`What happened to recording ${session.id}`}>
        {session.events.map((event, i) => (
          <li key={`${event.at.getTime()}-${i}`} data-testid="session-event">
            <span className="text-slate-500">{event.at.toLocaleTimeString()}</span> {EVENT_VERB[event.kind]}
            {event.kind === "start" ? ` — ${event.actor}` : ` by ${event.actor}`}
            {event.reason ? ` (${event.reason})` : ""}
          </li>
        ))}
        {session.gaps.map((gap) => (
          <li key={`gap${gap.startedAt.getTime()}`} className="text-red-800">
            lost {gap.startedAt.toLocaleTimeString()}
            {gap.endedAt ? `–${gap.endedAt.toLocaleTimeString()}` : " (not recovered)"}: {gap.reason}
          </li>
        ))}
        {session.outcome === "incomplete" && session.outcomeReason && (
          <li className="text-red-800">incomplete: {session.outcomeReason}</li>
        )}
      </ol>
      <div className="mt-1">
        <RecordingPlayback recording={session} recorderUri={session.recorderUri} recorders={recorders} />
      </div>
    </li>
  );
}
