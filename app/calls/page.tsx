"use client";

import { Suspense, useEffect, useMemo, useState } from "react";
import { AppShell } from "../_components/app-shell";
import { type StartOptions, StartOptionsForm } from "./start-options-form";
import { AgentStates } from "./agent-states";
import { StopReasonForm } from "../_components/stop-reason-form";
import { errorMessage } from "../_lib/error-message";
import { byId, useFocusAfterRender } from "../_lib/focus";
import { recordingStartLabel } from "../_lib/recording-labels";
import { useViewInAddress } from "../_lib/use-view-in-address";
import { type RouterOutputs, trpc } from "../_lib/trpc";
import { CallListControls } from "./call-list-controls";
import { agentOf, filterCalls, groupByAgent, sortCalls, viewFromQuery, viewToQuery } from "./call-list-view";

type CallRow = RouterOutputs["calls"]["list"][number];
type Party = CallRow["caller"];
type Side = "source" | "destination";

export default function LiveCallsPage() {
  return (
    <AppShell requiredRole="supervisor">
      {/* useSearchParams: the page's address is known in the browser only. */}
      <Suspense>
        <LiveCalls />
      </Suspense>
      <AgentStates />
    </AppShell>
  );
}

const STATE_STYLE: Record<string, string> = {
  starting: "bg-amber-100 text-amber-900",
  recording: "bg-red-100 text-red-800",
  paused: "bg-slate-200 text-slate-800",
  interrupted: "bg-amber-500 text-white",
  stopped: "bg-slate-100 text-slate-600",
  failed: "bg-red-600 text-white",
};

function duration(from: Date, now: number): string {
  const s = Math.max(0, Math.floor((now - new Date(from).getTime()) / 1000));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h > 0 ? 2 : 1, "0");
  return `${h > 0 ? `${h}:` : ""}${mm}:${String(s % 60).padStart(2, "0")}`;
}

function LiveCalls() {
  const [calls, setCalls] = useState<CallRow[] | null>(null);
  const [streamError, setStreamError] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());
  // The filters live in the address, so a reload or a shared link keeps them.
  const [view, changeView] = useViewInAddress(viewFromQuery, viewToQuery);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const shown = useMemo(
    () => (calls === null ? [] : sortCalls(filterCalls(calls, view), view.sort)),
    [calls, view],
  );
  const agents = useMemo(() => {
    const seen = new Map<string, { id: string; name: string }>();
    for (const call of calls ?? []) {
      const agent = agentOf(call);
      if (agent !== null) seen.set(agent.id, agent);
    }
    return [...seen.values()].sort((a, b) => a.id.localeCompare(b.id));
  }, [calls]);
  trpc.calls.live.useSubscription(undefined, {
    onData: (rows) => {
      setCalls(rows);
      setStreamError(null);
    },
    onError: (error) => setStreamError(errorMessage(error)),
  });

  return (
    <section aria-labelledby="calls-title" className="space-y-3">
      <div className="flex flex-wrap items-baseline gap-3">
        <h1 id="calls-title" className="text-xl font-semibold">
          Live calls
        </h1>
        <span className="text-sm text-slate-500" data-testid="calls-count">
          {calls === null ? "" : `${calls.length} in progress`}
        </span>
        {calls !== null && shown.length !== calls.length && (
          <span className="text-sm text-slate-500" data-testid="calls-shown">
            {shown.length} shown
          </span>
        )}
      </div>
      <p className="text-sm text-slate-600">
        Source is the caller&apos;s side (the customer on inbound calls), destination the callee&apos;s (the
        agent). Pause stops media to the recorder at once, before the recorder is told.
      </p>
      {streamError && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
          Live updates interrupted: {streamError}
        </p>
      )}
      {calls === null && !streamError && <p className="text-slate-500">Loading live calls…</p>}
      <CallListControls view={view} agents={agents} onChange={changeView} />
      {calls?.length === 0 && <p className="text-slate-500">No call in progress.</p>}
      {calls !== null && calls.length > 0 && shown.length === 0 && (
        <p className="text-slate-500">No live call matches the filters.</p>
      )}
      {view.groupByAgent ? (
        groupByAgent(shown).map((group) => (
          <section
            key={group.key}
            aria-label={group.label}
            data-testid={`agent-group-${group.key || "none"}`}
          >
            <h2 className="mb-2 text-sm font-semibold text-slate-700">
              {group.label} <span className="font-normal text-slate-500">({group.calls.length})</span>
            </h2>
            <ul className="grid grid-cols-1 gap-3">
              {group.calls.map((call) => (
                <CallCard key={call.connId} call={call} now={now} />
              ))}
            </ul>
          </section>
        ))
      ) : (
        <ul className="grid grid-cols-1 gap-3" aria-label="Live calls">
          {shown.map((call) => (
            <CallCard key={call.connId} call={call} now={now} />
          ))}
        </ul>
      )}
    </section>
  );
}

function PartyLabel({ party, fallback }: { party: Party | null; fallback: string }) {
  if (party === null) return <span>{fallback}</span>;
  return (
    <span>
      <span className="font-medium">{party.number}</span>
      {party.name && <span className="text-slate-600"> {party.name}</span>}
      {party.kind === "trunk" && <span className="text-slate-500"> via {party.dn}</span>}
      {party.agent && (
        <span className="ml-1 rounded bg-brand-50 px-1.5 py-0.5 text-xs text-brand-700">
          agent {party.agent.id}
          {party.agent.name ? ` · ${party.agent.name}` : ""}
        </span>
      )}
    </span>
  );
}

function CallCard({ call, now }: { call: CallRow; now: number }) {
  const title = `${call.caller.number} → ${call.callee?.number ?? call.dialed}`;
  return (
    <li
      aria-label={`call ${title}`}
      data-testid={`call-${call.connId}`}
      className="rounded-lg border border-slate-200 bg-white p-3 sm:p-4"
    >
      <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
        <PartyLabel party={call.caller} fallback="" />
        <span aria-hidden>→</span>
        <PartyLabel party={call.callee} fallback={call.dialed} />
        <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600">{call.state}</span>
        <span className="font-mono text-sm text-slate-600" data-testid="call-duration" title="talk time">
          {duration(call.establishedAt ?? call.startedAt, now)}
        </span>
        <span className="ml-auto font-mono text-xs break-all text-slate-400">ConnID {call.connId}</span>
      </div>
      <div className="mt-3 grid grid-cols-1 gap-2 md:grid-cols-2">
        {(["source", "destination"] as const).map((side) => (
          <SidePanel key={side} call={call} side={side} />
        ))}
      </div>
    </li>
  );
}

function SidePanel({ call, side }: { call: CallRow; side: Side }) {
  const [message, setMessage] = useState<string | null>(null);
  const [showOptions, setShowOptions] = useState(false);
  const [askingReason, setAskingReason] = useState(false);
  const focusAfterRender = useFocusAfterRender();
  const primaryId = `call-${call.connId}-${side}-primary`;
  const stopId = `call-${call.connId}-${side}-stop`;
  const handlers = {
    onSuccess: () => {
      setMessage(null);
      setShowOptions(false);
      setAskingReason(false);
    },
    onError: (error: unknown) => setMessage(errorMessage(error)),
  };
  const start = trpc.recording.start.useMutation(handlers);
  const pause = trpc.recording.pause.useMutation(handlers);
  const resume = trpc.recording.resume.useMutation(handlers);
  const stop = trpc.recording.stop.useMutation(handlers);
  const busy = start.isPending || pause.isPending || resume.isPending || stop.isPending;

  const recording = call.recordings.find((r) => r.side === side);
  const live = recording !== undefined && recording.state !== "stopped" && recording.state !== "failed";
  // While interrupted (the recorder is being replaced) a pause asked for still counts.
  const paused = live && (recording.state === "paused" || recording.paused);
  const party = side === "source" ? call.caller : call.callee;
  const who = party ? `${side === "source" ? "caller" : "callee"} ${party.number}` : call.dialed;
  const target = { callId: call.connId, side };
  const doStart = (options: StartOptions) => {
    if (busy) return;
    start.mutate(
      { ...target, ...options },
      // The options form closes on success; focus goes to the side's first button, not <body>.
      { onSuccess: () => focusAfterRender(byId(primaryId)) },
    );
  };

  // Two buttons in fixed places whose action follows the recording's state (Record → Pause ⇄
  // Resume; Options… → Stop): React keeps the same DOM buttons, so keyboard focus stays put when
  // the state pushed by the server changes them. aria-disabled rather than disabled while a request
  // runs, for the same reason.
  const primary = !live
    ? { label: start.isPending ? "Starting…" : "Record", act: () => doStart({}) }
    : paused
      ? { label: resume.isPending ? "Resuming…" : "Resume", act: () => resume.mutate(target) }
      : { label: pause.isPending ? "Pausing…" : "Pause", act: () => pause.mutate(target) };
  // Finger-sized (40 px) below `md`, compact on a desktop where the list is long.
  const button =
    "rounded-md border px-2 py-1 text-sm hover:bg-slate-50 aria-disabled:opacity-60 max-md:min-h-10 max-md:min-w-20 max-md:px-3";

  return (
    <div role="group" aria-label={`${side} side`} className="rounded-md border border-slate-100 p-2">
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <span className="font-medium">{side}</span>
        <span className="text-slate-500">({who})</span>
        <span
          data-testid={`recording-${side}`}
          className={`ml-auto rounded px-2 py-0.5 text-xs ${recording ? (STATE_STYLE[recording.state] ?? "") : "text-slate-400"}`}
        >
          {recording
            ? `${recording.state} · ${recordingStartLabel(recording.trigger, recording.startedBy)}`
            : "not recorded"}
        </span>
      </div>
      {recording?.recorder && (
        <p className="mt-1 truncate text-xs text-slate-500" title={recording.recorder}>
          to {recording.recorder}
          {recording.id ? ` · id ${recording.id}` : ""}
        </p>
      )}
      <div className="mt-2 flex flex-wrap gap-2">
        <button
          id={primaryId}
          type="button"
          aria-disabled={busy}
          onClick={() => {
            if (!busy) primary.act();
          }}
          className={button}
        >
          {primary.label}
        </button>
        {live ? (
          <button
            id={stopId}
            type="button"
            aria-disabled={busy}
            aria-expanded={askingReason}
            onClick={() => {
              if (!busy) setAskingReason(true);
            }}
            className={`${button} text-red-700 hover:bg-red-50`}
          >
            {stop.isPending ? "Stopping…" : "Stop"}
          </button>
        ) : (
          <button
            type="button"
            aria-expanded={showOptions}
            onClick={() => setShowOptions((v) => !v)}
            className="rounded-md px-2 py-1 text-sm text-brand-700 hover:bg-brand-50 max-md:min-h-10 max-md:px-3"
          >
            Options…
          </button>
        )}
      </div>
      {showOptions && !live && <StartOptionsForm busy={busy} onStart={doStart} side={side} />}
      {askingReason && live && (
        <StopReasonForm
          what={`the ${side} side`}
          busy={stop.isPending}
          onConfirm={(reason) =>
            stop.mutate(
              { ...target, ...(reason ? { reason } : {}) },
              // The side's first button keeps focus once the form goes away.
              { onSuccess: () => focusAfterRender(byId(primaryId)) },
            )
          }
          onCancel={() => {
            setAskingReason(false);
            focusAfterRender(byId(stopId));
          }}
        />
      )}
      {message && (
        <p role="alert" className="mt-2 text-sm text-red-700">
          {message}
        </p>
      )}
    </div>
  );
}
