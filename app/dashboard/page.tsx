"use client";

import Link from "next/link";
import { type ReactNode, useEffect, useState } from "react";
import { AppShell } from "../_components/app-shell";
import { errorMessage } from "../_lib/error-message";
import { type RouterOutputs, trpc } from "../_lib/trpc";
import { HourChart } from "./hour-chart";

type Snapshot = RouterOutputs["dashboard"]["snapshot"];
type Health = Snapshot["health"]["engines"][number];

export default function DashboardPage() {
  return (
    <AppShell requiredRole="supervisor">
      <Dashboard />
    </AppShell>
  );
}

/** "2:05" or "1:02:05" from a number of seconds. */
function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h > 0 ? 2 : 1, "0");
  return `${h > 0 ? `${h}:` : ""}${mm}:${String(s % 60).padStart(2, "0")}`;
}

const time = (d: Date) => new Date(d).toLocaleTimeString([], { hour12: false });
const callViewHref = (connId: string) => `/recordings?text=${encodeURIComponent(connId)}`;

/** The supervisor's overview, pushed by the dashboard.live subscription (no polling). */
function Dashboard() {
  const [snap, setSnap] = useState<Snapshot | null>(null);
  const [streamError, setStreamError] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());
  // The browser's own midnight: the offset is read once, as the page opens.
  const [tzOffsetMinutes] = useState(() => new Date().getTimezoneOffset());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  trpc.dashboard.live.useSubscription(
    { tzOffsetMinutes },
    {
      onData: (data) => {
        setSnap(data);
        setStreamError(null);
      },
      onError: (error) => setStreamError(errorMessage(error)),
    },
  );

  return (
    <section aria-labelledby="dashboard-title" className="space-y-5">
      <h1 id="dashboard-title" className="text-xl font-semibold">
        Dashboard
      </h1>
      {streamError && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
          Live updates interrupted{snap ? " (the figures below may be stale)" : ""}: {streamError}
        </p>
      )}
      {snap === null && !streamError && <p className="text-slate-500">Loading the dashboard…</p>}
      {snap && <Figures snap={snap} now={now} />}
    </section>
  );
}

function Stat(props: { label: string; testId: string; value: ReactNode; detail?: ReactNode; href?: string }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-4" data-testid={props.testId}>
      <p className="text-sm text-slate-600">{props.label}</p>
      <p className="mt-1 text-3xl font-semibold" data-testid={`${props.testId}-value`}>
        {props.value}
      </p>
      {props.detail && <p className="mt-1 text-xs text-slate-500">{props.detail}</p>}
      {props.href && (
        <Link href={props.href} className="mt-1 inline-block text-xs text-brand-700 hover:underline">
          Open
        </Link>
      )}
    </div>
  );
}

function Figures({ snap, now }: { snap: Snapshot; now: number }) {
  const c = snap.compliance;
  return (
    <>
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <Stat
          label="Live calls now"
          testId="stat-live-calls"
          value={snap.live.calls}
          detail={`${snap.live.established} established · ${snap.live.recordingSides} side(s) recording`}
          href="/calls"
        />
        <Stat
          label="Recorded as policy requires, today"
          testId="stat-compliance"
          value={c.percent === null ? "—" : `${c.percent}%`}
          detail={
            <span data-testid="compliance-ratio">
              {c.recorded} of {c.required} call{c.required === 1 ? "" : "s"}
              {c.starting > 0 ? ` (${c.starting} starting)` : ""}
            </span>
          }
        />
        <Stat
          label="Paused now"
          testId="stat-paused"
          value={snap.live.pausedSides}
          detail={
            snap.paused[0]?.pausedAt
              ? `longest ${clock((now - new Date(snap.paused[0].pausedAt).getTime()) / 1000)}`
              : undefined
          }
        />
        <Stat
          label="Failed / interrupted today"
          testId="stat-problems"
          value={`${snap.problems.failed} / ${snap.problems.interrupted}`}
        />
      </div>

      <Panel title="Should be recorded but are not (today)" id="unrecorded">
        {c.unrecorded.length === 0 ? (
          <p className="text-sm text-slate-500">Every call policy required today is recorded.</p>
        ) : (
          <ul className="divide-y divide-slate-100 text-sm">
            {c.unrecorded.map((u) => (
              <li key={u.connId} className="py-2" data-testid={`unrecorded-${u.connId}`}>
                <span className="font-mono text-xs text-slate-500">{time(u.startedAt)}</span>{" "}
                <span className="font-medium">{u.parties || `ConnID ${u.connId}`}</span>
                {u.agentId && <span className="text-slate-600"> · agent {u.agentId}</span>}
                <p className="text-slate-600">{u.reason}</p>
                {u.inCallView ? (
                  <Link href={callViewHref(u.connId)} className="text-brand-700 hover:underline">
                    Open in the call view
                  </Link>
                ) : (
                  <span className="text-xs text-slate-500">
                    No recording was opened for ConnID {u.connId}.
                  </span>
                )}
              </li>
            ))}
          </ul>
        )}
        {c.unrecordedTotal > c.unrecorded.length && (
          <p className="text-xs text-slate-500">
            The {c.unrecorded.length} newest of {c.unrecordedTotal} are shown.
          </p>
        )}
      </Panel>

      <div className="grid grid-cols-1 gap-5 lg:grid-cols-2">
        <Panel title="Paused now" id="paused">
          {snap.paused.length === 0 ? (
            <p className="text-sm text-slate-500">No recording is paused.</p>
          ) : (
            <ul className="divide-y divide-slate-100 text-sm">
              {snap.paused.map((p) => (
                <li
                  key={p.recordingId}
                  className="flex flex-wrap items-baseline gap-x-2 py-2"
                  data-testid={`paused-${p.recordingId}`}
                >
                  <span className="font-medium">{p.parties}</span>
                  <span className="text-slate-600">
                    {p.side}
                    {p.agent ? ` · agent ${p.agent.id}${p.agent.name ? ` (${p.agent.name})` : ""}` : ""}
                  </span>
                  <span className="ml-auto font-mono" data-testid="paused-for" title="paused for">
                    {p.pausedAt ? clock((now - new Date(p.pausedAt).getTime()) / 1000) : "pausing…"}
                  </span>
                  {p.pausedBy && <span className="w-full text-xs text-slate-500">by {p.pausedBy}</span>}
                </li>
              ))}
            </ul>
          )}
        </Panel>
        <Panel title="Failed and interrupted recordings today" id="problems">
          {snap.problems.recordings.length === 0 ? (
            <p className="text-sm text-slate-500">None today.</p>
          ) : (
            <ul className="divide-y divide-slate-100 text-sm">
              {snap.problems.recordings.map((r) => (
                <li key={r.id} className="py-2" data-testid={`problem-${r.id}`}>
                  <span
                    className={`rounded px-1.5 py-0.5 text-xs ${r.problem === "failed" ? "bg-red-600 text-white" : "bg-amber-500 text-white"}`}
                  >
                    {r.problem}
                  </span>{" "}
                  <span className="font-mono text-xs text-slate-500">{time(r.startedAt)}</span> {r.side} side
                  of{" "}
                  <Link href={callViewHref(r.connId)} className="text-brand-700 hover:underline">
                    ConnID {r.connId}
                  </Link>
                  {r.dn && <span className="text-slate-600"> · DN {r.dn}</span>}
                  {r.reason && <p className="text-xs text-slate-600">{r.reason}</p>}
                </li>
              ))}
            </ul>
          )}
        </Panel>
      </div>

      <div className="grid grid-cols-1 gap-5 lg:grid-cols-2">
        <Panel title="Recorders" id="recorders">
          <HealthList items={snap.health.recorders} kind="recorder" />
        </Panel>
        <Panel title="Media engines" id="engines">
          <HealthList items={snap.health.engines} kind="engine" />
        </Panel>
      </div>

      <Panel title="Recorded calls per hour, last 24 h" id="hours">
        <HourChart hours={snap.hours} />
      </Panel>
    </>
  );
}

function Panel({ title, id, children }: { title: string; id: string; children: ReactNode }) {
  return (
    <section aria-labelledby={`${id}-title`} className="rounded-lg border border-slate-200 bg-white p-4">
      <h2 id={`${id}-title`} className="mb-2 font-semibold">
        {title}
      </h2>
      {children}
    </section>
  );
}

const HEALTH_STYLE: Record<Health["status"], string> = {
  up: "bg-emerald-100 text-emerald-800",
  degraded: "bg-amber-100 text-amber-900",
  down: "bg-red-600 text-white",
  disabled: "bg-slate-100 text-slate-600",
};

function HealthList({ items, kind }: { items: Health[]; kind: string }) {
  if (items.length === 0) return <p className="text-sm text-slate-500">No {kind} configured.</p>;
  return (
    <ul className="divide-y divide-slate-100 text-sm">
      {items.map((h) => (
        <li key={h.uri} className="py-2" data-testid={`health-${h.uri}`}>
          <div className="flex flex-wrap items-center gap-2">
            <span className="font-medium">{h.name}</span>
            {h.name !== h.uri && <span className="truncate text-xs text-slate-500">{h.uri}</span>}
            <span
              className={`ml-auto rounded px-2 py-0.5 text-xs ${HEALTH_STYLE[h.status]}`}
              data-testid="health-status"
            >
              {h.status}
            </span>
          </div>
          {h.detail && <p className="text-xs text-slate-600">{h.detail}</p>}
        </li>
      ))}
    </ul>
  );
}
