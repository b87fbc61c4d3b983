"use client";

import { useState } from "react";
import { TRIGGER_LABEL, triggerLabel } from "../_lib/recording-labels";
import { AppShell } from "../_components/app-shell";
import { errorMessage } from "../_lib/error-message";
import { type RouterInputs, type RouterOutputs, trpc } from "../_lib/trpc";
import { type PlaybackRecorder, RecordingPlayback } from "./recording-playback";

type Session = RouterOutputs["recording"]["history"][number];
type Trigger = NonNullable<RouterInputs["recording"]["history"]["trigger"]>;
type SessionState = NonNullable<RouterInputs["recording"]["history"]["state"]>;

const TRIGGERS = Object.keys(TRIGGER_LABEL) as Trigger[];
const STATES = ["starting", "recording", "paused", "interrupted", "stopped", "failed"] as SessionState[];

export default function RecordingHistoryPage() {
  return (
    <AppShell requiredRole="supervisor">
      <RecordingHistory />
    </AppShell>
  );
}

function RecordingHistory() {
  const [text, setText] = useState("");
  const [dn, setDn] = useState("");
  const [agentId, setAgentId] = useState("");
  const [trigger, setTrigger] = useState<Trigger | "">("");
  const [state, setState] = useState<SessionState | "">("");
  const [day, setDay] = useState("");
  const from = day ? new Date(`${day}T00:00:00`) : undefined;
  const to = day ? new Date(`${day}T23:59:59.999`) : undefined;
  const sessions = trpc.recording.history.useQuery(
    {
      text: text || undefined,
      dn: dn || undefined,
      agentId: agentId || undefined,
      trigger: trigger || undefined,
      state: state || undefined,
      from,
      to,
      limit: 200,
    },
    // The previous list stays while a new filter loads, instead of flashing "Loading…" per keystroke.
    { refetchInterval: 3000, placeholderData: (previous) => previous },
  );
  // Which recorders play their recordings themselves (a playback URL): those get a link.
  const recorders = trpc.recorder.list.useQuery();
  return (
    <section aria-labelledby="history-title" className="space-y-3">
      <div className="flex flex-wrap items-end gap-3">
        <h1 id="history-title" className="mr-auto text-xl font-semibold">
          Recording history
        </h1>
        <Filter
          label="Search"
          value={text}
          onChange={setText}
          type="search"
          placeholder="id, ConnID or params"
          width="w-48"
        />
        <Filter label="DN" value={dn} onChange={setDn} />
        <Filter label="Agent" value={agentId} onChange={setAgentId} />
        <SelectFilter
          label="Trigger"
          value={trigger}
          onChange={setTrigger}
          any="Any trigger"
          options={TRIGGERS.map((t) => [t, triggerLabel(t)])}
        />
        <SelectFilter
          label="State"
          value={state}
          onChange={setState}
          any="Any state"
          options={STATES.map((t) => [t, t])}
        />
        <label className="text-sm">
          <span className="block text-slate-600">Day</span>
          <input
            type="date"
            value={day}
            onChange={(e) => setDay(e.target.value)}
            className="rounded-md border border-slate-300 px-2 py-1"
          />
        </label>
      </div>
      {sessions.isLoading && <p className="text-slate-500">Loading…</p>}
      {/* Refetched every few seconds: a failed refetch keeps the last list and says it may be stale. */}
      {sessions.error && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
          {sessions.data ? "Could not refresh the list: " : ""}
          {errorMessage(sessions.error)}
        </p>
      )}
      {sessions.data?.length === 0 && <p className="text-slate-500">No recording matches.</p>}
      {sessions.data && sessions.data.length > 0 && (
        <ul aria-label="Recording sessions" className="grid gap-2">
          {sessions.data
            // A parallel copy is shown inside the card of the recording it copies.
            .filter((session) => session.copyOf === "" || !sessions.data.some((s) => s.id === session.copyOf))
            .map((session) => (
              <SessionRow
                key={session.id}
                session={session}
                copies={sessions.data.filter((s) => s.copyOf === session.id)}
                recorders={recorders.data ?? []}
              />
            ))}
        </ul>
      )}
    </section>
  );
}

function Filter(props: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  type?: "text" | "search";
  placeholder?: string;
  width?: string;
}) {
  return (
    <label className="text-sm">
      <span className="block text-slate-600">{props.label}</span>
      <input
        type={props.type ?? "text"}
        value={props.value}
        placeholder={props.placeholder}
        onChange={(e) => props.onChange(e.target.value.trim())}
        className={`${props.width ?? "w-28"} rounded-md border border-slate-300 px-2 py-1`}
      />
    </label>
  );
}

/** A choice among `options` ([value, label]), or "" for any. */
function SelectFilter<V extends string>(props: {
  label: string;
  value: V | "";
  onChange: (v: V | "") => void;
  any: string;
  options: [V, string][];
}) {
  return (
    <label className="text-sm">
      <span className="block text-slate-600">{props.label}</span>
      <select
        value={props.value}
        onChange={(e) => props.onChange(e.target.value as V | "")}
        className="rounded-md border border-slate-300 px-2 py-1"
      >
        <option value="">{props.any}</option>
        {props.options.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
    </label>
  );
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/** Milliseconds the recording lost in its gaps (a gap still open runs to the end or to now). */
function lostMs(session: Session): number {
  const end = (session.endedAt ?? new Date()).getTime();
  return session.gaps.reduce(
    (sum, gap) => sum + Math.max(0, (gap.endedAt?.getTime() ?? end) - gap.startedAt.getTime()),
    0,
  );
}

/**
 * Recorded, paused and lost intervals on one bar, proportional to time. A pause is a choice
 * (grey); a gap is media the recorder never got (hatched dark red), so the two never look alike.
 */
function Timeline({ session }: { session: Session }) {
  const start = session.startedAt.getTime();
  const end = (session.endedAt ?? new Date()).getTime();
  const span = Math.max(end - start, 1);
  const pct = (t: number) => `${(((t - start) / span) * 100).toFixed(2)}%`;
  const lost = lostMs(session);
  return (
    <div
      className="relative h-3 w-full overflow-hidden rounded bg-red-400"
      role="img"
      aria-label={`recorded ${seconds(span)} with ${session.pauses.length} pause(s)${
        session.gaps.length > 0 ? ` and ${session.gaps.length} gap(s), ${seconds(lost)} lost` : ""
      }`}
    >
      {session.pauses.map((pause) => {
        const from = pause.pausedAt.getTime();
        const to = (pause.resumedAt ?? session.endedAt ?? new Date()).getTime();
        return (
          <span
            key={`p${from}`}
            className="absolute inset-y-0 bg-slate-300"
            style={{ left: pct(from), width: `calc(${pct(to)} - ${pct(from)})` }}
          />
        );
      })}
      {session.gaps.map((gap) => {
        const from = gap.startedAt.getTime();
        const to = (gap.endedAt ?? session.endedAt ?? new Date()).getTime();
        return (
          <span
            key={`g${from}`}
            data-testid="recording-gap"
            className="absolute inset-y-0 bg-[repeating-linear-gradient(45deg,#7f1d1d_0,#7f1d1d_3px,#fecaca_3px,#fecaca_6px)]"
            style={{ left: pct(from), width: `calc(${pct(to)} - ${pct(from)})` }}
          />
        );
      })}
    </div>
  );
}

/** "complete", or "incomplete: 4 s of 48 s" and why: what the supervisor must be able to trust. */
function Outcome({ session }: { session: Session }) {
  if (session.outcome === "") return null;
  const total = (session.endedAt ?? new Date()).getTime() - session.startedAt.getTime();
  const lost = lostMs(session);
  if (session.outcome === "complete")
    return <span className="rounded bg-emerald-100 px-2 py-0.5 text-xs text-emerald-900">complete</span>;
  return (
    <span
      data-testid="recording-incomplete"
      title={session.outcomeReason}
      className="rounded bg-red-700 px-2 py-0.5 text-xs text-white"
    >
      incomplete{lost > 0 ? `: ${seconds(lost)} of ${seconds(total)} lost` : ""}
    </span>
  );
}

/** A parallel recording is complete when at least one of its copies is. */
function ParallelCopies({
  session,
  copies,
  recorders,
}: {
  session: Session;
  copies: Session[];
  recorders: readonly PlaybackRecorder[];
}) {
  if (copies.length === 0) return null;
  const all = [session, ...copies];
  const settled = all.every((s) => s.outcome !== "");
  const anyComplete = all.some((s) => s.outcome === "complete");
  return (
    <div className="mt-2 rounded border border-slate-200 p-2 text-xs" data-testid="parallel-copies">
      <p className="font-medium">
        Parallel recording, {all.length} copies
        {settled ? (anyComplete ? " · complete (at least one copy is)" : " · incomplete (no copy is complete)") : ""}
      </p>
      {copies.map((copy) => (
        <div key={copy.id} className="mt-1">
          <span>
            copy <code>{copy.id}</code> to {copy.recorderUri || "—"} · {copy.state}
            {copy.outcome === "" ? "" : ` · ${copy.outcome}`}
            {copy.outcomeReason ? ` (${copy.outcomeReason})` : ""}
          </span>
          <Timeline session={copy} />
          <RecordingPlayback recording={copy} recorderUri={copy.recorderUri} recorders={recorders} />
        </div>
      ))}
    </div>
  );
}

function SessionRow({
  session,
  copies = [],
  recorders,
}: {
  session: Session;
  copies?: Session[];
  recorders: readonly PlaybackRecorder[];
}) {
  return (
    <li data-testid={`recording-${session.id}`} className="rounded-lg border border-slate-200 bg-white p-3 text-sm">
      <div className="mb-2 flex flex-wrap items-baseline gap-x-4 gap-y-1">
        <span className="font-medium">{session.dn || "—"}</span>
        <span className="text-slate-600">{session.side === "source" ? "caller side" : "callee side"}</span>
        <span>{triggerLabel(session.trigger)}</span>
        {session.agentId && <span>agent {session.agentId}</span>}
        <span className="text-slate-500">{session.startedAt.toLocaleString()}</span>
        <span className="ml-auto flex gap-1">
          <Outcome session={session} />
          <span
            className={`rounded px-2 py-0.5 text-xs ${session.state === "interrupted" ? "bg-amber-500 text-white" : "bg-slate-100"}`}
          >
            {session.state}
          </span>
        </span>
      </div>
      <Timeline session={session} />
      <div className="mt-2">
        <RecordingPlayback recording={session} recorderUri={session.recorderUri} recorders={recorders} />
      </div>
      <ParallelCopies session={session} copies={copies} recorders={recorders} />
      <div className="mt-2 grid gap-0.5 text-xs text-slate-600">
        <span>
          id <code>{session.id}</code> · asked by {session.requestedBy || "—"} · recorder {session.recorderUri || "—"}
          {session.segments > 1 ? ` · ${session.segments} segments` : ""}
        </span>
        {session.outcome === "incomplete" && session.outcomeReason && (
          <span className="text-red-800">incomplete: {session.outcomeReason}</span>
        )}
        {session.packetsSent > 0 && (
          <span>
            {session.packetsAcked} of {session.packetsSent} packets acknowledged by the recorder
          </span>
        )}
        {session.pauses.map((pause) => (
          <span key={pause.pausedAt.getTime()}>
            paused {pause.pausedAt.toLocaleTimeString()} by {pause.pausedBy || "—"}
            {pause.resumedAt ? `, resumed ${pause.resumedAt.toLocaleTimeString()} by ${pause.resumedBy || "—"}` : ""}
          </span>
        ))}
        {session.gaps.map((gap) => (
          <span key={`gap${gap.startedAt.getTime()}`} className="text-red-800">
            lost {gap.startedAt.toLocaleTimeString()}
            {gap.endedAt ? `–${gap.endedAt.toLocaleTimeString()}` : " (not recovered)"}: {gap.reason}
          </span>
        ))}
        {session.transitions
          .filter((t) => t.from === t.to)
          .map((t) => (
            <span key={`note${t.at.getTime()}${t.reason}`}>
              {t.at.toLocaleTimeString()} {t.reason}
            </span>
          ))}
      </div>
    </li>
  );
}
