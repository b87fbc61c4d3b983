"use client";

import { type FormEvent, useEffect, useId, useState } from "react";
import { parseParamsString, zRecordingControlInput } from "../../common/schemas/recording-schemas";
import { AppShell } from "../_components/app-shell";
import { AgentStates } from "./agent-states";
import { StopReasonForm } from "../_components/stop-reason-form";
import { errorMessage } from "../_lib/error-message";
import { byId, useFocusAfterRender } from "../_lib/focus";
import { type FormError, formError } from "../_lib/form-errors";
import { triggerLabel } from "../_lib/recording-labels";
import { type RouterOutputs, trpc } from "../_lib/trpc";

type CallRow = RouterOutputs["calls"]["list"][number];
type Party = CallRow["caller"];
type Side = "source" | "destination";
type StartOptions = { id?: string; dest?: string; params?: Record<string, string> };

export default function LiveCallsPage() {
  return (
    <AppShell requiredRole="supervisor">
      <LiveCalls />
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
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
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
      {calls?.length === 0 && <p className="text-slate-500">No call in progress.</p>}
      <ul className="grid gap-3">
        {calls?.map((call) => (
          <CallCard key={call.connId} call={call} now={now} />
        ))}
      </ul>
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
      className="rounded-lg border border-slate-200 bg-white p-4"
    >
      <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
        <PartyLabel party={call.caller} fallback="" />
        <span aria-hidden>→</span>
        <PartyLabel party={call.callee} fallback={call.dialed} />
        <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600">{call.state}</span>
        <span className="font-mono text-sm text-slate-600" data-testid="call-duration" title="talk time">
          {duration(call.establishedAt ?? call.startedAt, now)}
        </span>
        <span className="ml-auto font-mono text-xs text-slate-400">ConnID {call.connId}</span>
      </div>
      <div className="mt-3 grid gap-2 md:grid-cols-2">
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
  const button = "rounded-md border px-2 py-1 text-sm hover:bg-slate-50 aria-disabled:opacity-60";

  return (
    <div role="group" aria-label={`${side} side`} className="rounded-md border border-slate-100 p-2">
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <span className="font-medium">{side}</span>
        <span className="text-slate-500">({who})</span>
        <span
          data-testid={`recording-${side}`}
          className={`ml-auto rounded px-2 py-0.5 text-xs ${recording ? (STATE_STYLE[recording.state] ?? "") : "text-slate-400"}`}
        >
          {recording ? `${recording.state} · ${triggerLabel(recording.trigger)}` : "not recorded"}
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
            className="rounded-md px-2 py-1 text-sm text-brand-700 hover:bg-brand-50"
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

type OptionField = "id" | "dest" | "params";
const OPTION_FIELDS: readonly OptionField[] = ["id", "dest", "params"];

/** Start with an id, another recorder or key-value params: checked by the server's own schema first. */
function StartOptionsForm(props: { busy: boolean; side: Side; onStart: (options: StartOptions) => void }) {
  const [id, setId] = useState("");
  const [dest, setDest] = useState("");
  const [params, setParams] = useState("");
  const [error, setError] = useState<FormError<OptionField> | null>(null);
  const focusAfterRender = useFocusAfterRender();
  const baseId = useId();
  const fieldId = (field: OptionField) => `${baseId}-${field}`;
  const errorId = `${baseId}-error`;

  function refuse(refusal: FormError<OptionField>) {
    setError(refusal);
    focusAfterRender(
      () =>
        refusal.fields.map((f) => document.getElementById(fieldId(f))).find((el) => el !== null) ??
        document.getElementById(errorId),
    );
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (props.busy) return;
    let parsed: Record<string, string> | undefined;
    try {
      parsed = params.trim() === "" ? undefined : parseParamsString(params.trim());
    } catch (e) {
      return refuse({ text: errorMessage(e), fields: ["params"] });
    }
    const options = {
      ...(id.trim() === "" ? {} : { id: id.trim() }),
      ...(dest.trim() === "" ? {} : { dest: dest.trim() }),
      ...(parsed === undefined ? {} : { params: parsed }),
    };
    const check = zRecordingControlInput.safeParse({ callId: "x", side: props.side, ...options });
    if (!check.success) {
      return refuse(
        formError({ issues: check.error.issues }, OPTION_FIELDS, (key) =>
          OPTION_FIELDS.find((f) => f === key),
        ),
      );
    }
    setError(null);
    props.onStart(options);
  }

  const fieldProps = (field: OptionField) => ({
    id: fieldId(field),
    "aria-invalid": error?.fields.includes(field) || undefined,
    "aria-describedby": error?.fields.includes(field) ? errorId : undefined,
  });
  const input =
    "mt-0.5 w-full rounded-md border border-slate-300 px-2 py-1 text-sm aria-invalid:border-red-500";
  return (
    <form
      aria-label={`Start ${props.side} recording with options`}
      onSubmit={submit}
      className="mt-2 grid gap-2"
    >
      <label className="text-xs text-slate-600">
        Recording id (optional, globally unique)
        <input className={input} value={id} onChange={(e) => setId(e.target.value)} {...fieldProps("id")} />
      </label>
      <label className="text-xs text-slate-600">
        Recorder (optional SIP URI, overrides the recorder list)
        <input
          className={input}
          value={dest}
          placeholder="sip:srs@recorder.example.com"
          onChange={(e) => setDest(e.target.value)}
          {...fieldProps("dest")}
        />
      </label>
      <label className="text-xs text-slate-600">
        Params (optional, key=value&amp;key2=value2)
        <input
          className={input}
          value={params}
          onChange={(e) => setParams(e.target.value)}
          {...fieldProps("params")}
        />
      </label>
      <div className="flex items-center gap-2">
        <button
          type="submit"
          // aria-disabled rather than disabled: a disabled button would drop keyboard focus to <body>.
          aria-disabled={props.busy}
          className="rounded-md bg-brand-600 px-3 py-1 text-sm font-medium text-white hover:bg-brand-700 aria-disabled:opacity-60"
        >
          {props.busy ? "Starting…" : "Start recording"}
        </button>
        {error && (
          <p id={errorId} role="alert" tabIndex={-1} className="text-xs text-red-700">
            {error.text}
          </p>
        )}
      </div>
    </form>
  );
}
