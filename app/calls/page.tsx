"use client";

import { useState } from "react";
import { AppShell } from "../_components/app-shell";
import { errorMessage } from "../_lib/error-message";
import { type RouterOutputs, trpc } from "../_lib/trpc";

type CallRow = RouterOutputs["calls"]["list"][number];
type Side = "source" | "destination";

export default function LiveCallsPage() {
  return (
    <AppShell requiredRole="supervisor">
      <LiveCalls />
    </AppShell>
  );
}

const STATE_STYLE: Record<string, string> = {
  starting: "bg-amber-100 text-amber-800",
  recording: "bg-red-100 text-red-800",
  paused: "bg-slate-200 text-slate-700",
};

function LiveCalls() {
  const calls = trpc.calls.list.useQuery(undefined, { refetchInterval: 1000 });
  const [message, setMessage] = useState<string | null>(null);
  const utils = trpc.useUtils();
  const done = {
    onSuccess: async () => {
      setMessage(null);
      await utils.calls.list.invalidate();
    },
    onError: (error: unknown) => setMessage(errorMessage(error)),
  };
  const start = trpc.recording.start.useMutation(done);
  const pause = trpc.recording.pause.useMutation(done);
  const resume = trpc.recording.resume.useMutation(done);
  const stop = trpc.recording.stop.useMutation(done);
  const busy = start.isPending || pause.isPending || resume.isPending || stop.isPending;

  return (
    <section aria-labelledby="calls-title" className="space-y-3">
      <h1 id="calls-title" className="text-xl font-semibold">
        Live calls
      </h1>
      <p className="text-sm text-slate-600">
        Source is the caller&apos;s side (the customer on inbound calls), destination the callee&apos;s (the
        agent). Pause stops media to the recorder at once, before the recorder is told.
      </p>
      {message && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
          {message}
        </p>
      )}
      {calls.error && <p role="alert">{errorMessage(calls.error)}</p>}
      <RecorderAlarms />
      {calls.data?.length === 0 && <p className="text-slate-500">No call in progress.</p>}
      <ul className="grid gap-3">
        {calls.data?.map((call) => (
          <CallCard
            key={call.connId}
            call={call}
            busy={busy}
            onStart={(side) => start.mutate({ callId: call.connId, side })}
            onPause={(side) => pause.mutate({ callId: call.connId, side })}
            onResume={(side) => resume.mutate({ callId: call.connId, side })}
            onStop={(side) => stop.mutate({ callId: call.connId, side })}
          />
        ))}
      </ul>
    </section>
  );
}

/** Recorder failures stay visible here: a call went on without its recording. */
function RecorderAlarms() {
  const alarms = trpc.recording.alarms.useQuery(undefined, { refetchInterval: 2000 });
  if (!alarms.data || alarms.data.length === 0) return null;
  return (
    <section aria-label="Recorder alarms" className="rounded-lg border border-red-200 bg-red-50 p-3">
      <h2 className="mb-1 text-sm font-semibold text-red-800">Recorder alarms</h2>
      <ul className="grid gap-1 text-sm text-red-900">
        {alarms.data.slice(0, 10).map((alarm) => (
          <li key={`${alarm.at.toISOString()}-${alarm.recordingId}`} data-testid="recorder-alarm">
            {alarm.at.toLocaleTimeString()} · call {alarm.connId}
            {alarm.recordingId ? ` · recording ${alarm.recordingId}` : ""}
            {alarm.recorder ? ` · ${alarm.recorder}` : ""}: {alarm.reason}
          </li>
        ))}
      </ul>
    </section>
  );
}

function CallCard(props: {
  call: CallRow;
  busy: boolean;
  onStart: (side: Side) => void;
  onPause: (side: Side) => void;
  onResume: (side: Side) => void;
  onStop: (side: Side) => void;
}) {
  const { call } = props;
  const label = `${call.caller} → ${call.callee ?? call.dialed}`;
  return (
    <li
      aria-label={`call ${label}`}
      data-testid={`call-${call.connId}`}
      className="rounded-lg border border-slate-200 bg-white p-4"
    >
      <div className="flex flex-wrap items-baseline gap-3">
        <span className="font-medium">{label}</span>
        <span className="text-sm text-slate-500">{call.state}</span>
        <span className="font-mono text-xs text-slate-400">ConnID {call.connId}</span>
      </div>
      <div className="mt-3 grid gap-2 sm:grid-cols-2">
        {(["source", "destination"] as const).map((side) => {
          const recording = call.recordings.find((r) => r.side === side);
          const who = side === "source" ? `caller ${call.caller}` : `callee ${call.callee ?? call.dialed}`;
          return (
            <div
              key={side}
              role="group"
              aria-label={`${side} side`}
              className="rounded-md border border-slate-100 p-2"
            >
              <div className="flex items-center gap-2 text-sm">
                <span className="font-medium">{side}</span>
                <span className="text-slate-500">({who})</span>
                <span
                  data-testid={`recording-${side}`}
                  className={`ml-auto rounded px-2 py-0.5 text-xs ${recording ? (STATE_STYLE[recording.state] ?? "") : "text-slate-400"}`}
                >
                  {recording
                    ? `${recording.state} · ${recording.trigger.replace(/_/g, " ")}`
                    : "not recorded"}
                </span>
              </div>
              <div className="mt-2 flex gap-2">
                {!recording && (
                  <button
                    type="button"
                    disabled={props.busy}
                    onClick={() => props.onStart(side)}
                    className="rounded-md border px-2 py-1 text-sm"
                  >
                    Record
                  </button>
                )}
                {recording && recording.state !== "paused" && (
                  <button
                    type="button"
                    disabled={props.busy}
                    onClick={() => props.onPause(side)}
                    className="rounded-md border px-2 py-1 text-sm"
                  >
                    Pause
                  </button>
                )}
                {recording?.state === "paused" && (
                  <button
                    type="button"
                    disabled={props.busy}
                    onClick={() => props.onResume(side)}
                    className="rounded-md border px-2 py-1 text-sm"
                  >
                    Resume
                  </button>
                )}
                {recording && (
                  <button
                    type="button"
                    disabled={props.busy}
                    onClick={() => props.onStop(side)}
                    className="rounded-md border px-2 py-1 text-sm text-red-700"
                  >
                    Stop
                  </button>
                )}
              </div>
            </div>
          );
        })}
      </div>
    </li>
  );
}
