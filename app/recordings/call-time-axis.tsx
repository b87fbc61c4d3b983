"use client";

import type { RouterOutputs } from "../_lib/trpc";

export type RecordedCall = RouterOutputs["recording"]["calls"]["calls"][number];
export type CallSession = RecordedCall["sessions"][number];

/** "0:07", "12:30", "1:02:03": a duration or an offset into the call. */
export function clock(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** How a session is named on the axis and in its row: "caller side · pstn". */
export function sideLabel(session: CallSession): string {
  return `${session.side === "source" ? "caller side" : "callee side"} · ${session.dn || "—"}${
    session.copyOf ? " (parallel copy)" : ""
  }`;
}

const TICKS = 4;

/**
 * The call on one time scale: a lane per recording session, its recorded span as a bar on the
 * call's span (first start to last end), pauses grey and gaps (media lost) hatched dark red on it,
 * with the offsets from the call's start underneath. A session that failed is a dark bar.
 */
export function CallTimeAxis({ call, now }: { call: RecordedCall; now: number }) {
  const start = call.startedAt.getTime();
  const end = call.endedAt?.getTime() ?? now;
  const span = Math.max(end - start, 1);
  const pct = (t: number) => `${(((Math.min(Math.max(t, start), end) - start) / span) * 100).toFixed(2)}%`;
  const width = (from: number, to: number) => `calc(${pct(to)} - ${pct(from)})`;
  const describe = (s: CallSession) => {
    const to = (s.endedAt?.getTime() ?? end) - start;
    const parts = [`${sideLabel(s)}: ${s.state === "failed" ? "failed" : "recorded"} ${clock(s.startedAt.getTime() - start)}–${clock(to)}`];
    for (const p of s.pauses)
      parts.push(`paused ${clock(p.pausedAt.getTime() - start)}–${clock((p.resumedAt?.getTime() ?? to + start) - start)}`);
    for (const g of s.gaps)
      parts.push(`lost ${clock(g.startedAt.getTime() - start)}–${clock((g.endedAt?.getTime() ?? to + start) - start)}`);
    return parts.join(", ");
  };
  return (
    <figure
      className="space-y-1"
      aria-label={`Time axis of the call, ${clock(span)}: ${call.sessions.map(describe).join("; ")}`}
    >
      {call.sessions.map((session) => {
        const from = session.startedAt.getTime();
        const to = session.endedAt?.getTime() ?? end;
        return (
          <div key={session.id} className="flex items-center gap-2 text-xs">
            <span className="w-24 shrink-0 truncate text-slate-600 sm:w-40" title={session.id}>
              {sideLabel(session)}
            </span>
            <div className="relative h-3 flex-1 rounded bg-slate-100">
              <span
                data-testid={`axis-${session.id}`}
                className={`absolute inset-y-0 overflow-hidden rounded ${session.state === "failed" ? "bg-slate-700" : "bg-red-400"}`}
                style={{ left: pct(from), width: width(from, to), minWidth: "2px" }}
                title={describe(session)}
              >
                {session.pauses.map((pause) => {
                  const a = pause.pausedAt.getTime();
                  const b = pause.resumedAt?.getTime() ?? to;
                  return (
                    <span
                      key={`p${a}`}
                      data-testid="axis-pause"
                      className="absolute inset-y-0 bg-slate-300"
                      style={{ left: `${(((a - from) / Math.max(to - from, 1)) * 100).toFixed(2)}%`, width: `${(((b - a) / Math.max(to - from, 1)) * 100).toFixed(2)}%` }}
                    />
                  );
                })}
                {session.gaps.map((gap) => {
                  const a = gap.startedAt.getTime();
                  const b = gap.endedAt?.getTime() ?? to;
                  return (
                    <span
                      key={`g${a}`}
                      data-testid="axis-gap"
                      className="absolute inset-y-0 bg-[repeating-linear-gradient(45deg,#7f1d1d_0,#7f1d1d_3px,#fecaca_3px,#fecaca_6px)]"
                      style={{ left: `${(((a - from) / Math.max(to - from, 1)) * 100).toFixed(2)}%`, width: `${(((b - a) / Math.max(to - from, 1)) * 100).toFixed(2)}%` }}
                    />
                  );
                })}
              </span>
            </div>
          </div>
        );
      })}
      <div className="flex items-start gap-2 text-[10px] text-slate-500" aria-hidden="true">
        <span className="w-24 shrink-0 sm:w-40" />
        <div className="relative h-4 flex-1 border-t border-slate-300">
          {Array.from({ length: TICKS + 1 }, (_, i) => (
            <span
              key={i}
              className="absolute top-0 -translate-x-1/2 pt-0.5 first:translate-x-0 last:-translate-x-full"
              style={{ left: `${(i / TICKS) * 100}%` }}
            >
              {clock((span * i) / TICKS)}
            </span>
          ))}
        </div>
      </div>
    </figure>
  );
}
