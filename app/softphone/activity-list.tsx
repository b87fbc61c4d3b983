"use client";

import { useState } from "react";
import type { ActivityEntry } from "../../common/cti-activity";

const TONE: Record<ActivityEntry["tone"], string> = {
  info: "text-slate-800",
  good: "text-emerald-800",
  warn: "text-amber-800",
  error: "text-red-700",
};

export type RawEvent = { seq: number; event: string; connId: string | null; otherDn: string | null };

const clock = (at: Date) =>
  new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false });

/**
 * What happened on the agent's extension, newest first (common/cti-activity.ts makes the
 * sentences). The raw T-Library events stay behind "Details", for supervisors and admins.
 */
export function ActivityList({
  dn,
  entries,
  raw,
  canSeeDetails,
}: {
  dn: string;
  entries: ActivityEntry[];
  raw: RawEvent[];
  canSeeDetails: boolean;
}) {
  const [details, setDetails] = useState(false);
  return (
    <section
      aria-labelledby="activity-title"
      className="rounded-lg border border-slate-200 bg-white p-4 md:col-span-2"
    >
      <div className="mb-2 flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="activity-title" className="text-base font-semibold">
          Activity on {dn}
        </h2>
        {canSeeDetails && (
          <button
            type="button"
            aria-expanded={details}
            aria-controls="cti-details"
            onClick={() => setDetails((d) => !d)}
            className="rounded-md border border-slate-300 px-2 py-1 text-xs hover:bg-slate-50 max-md:min-h-10 max-md:px-3"
          >
            {details ? "Hide details" : "Details"}
          </button>
        )}
      </div>
      {entries.length === 0 ? (
        <p className="text-sm text-slate-500">
          Nothing yet: calls, recordings and your state changes appear here.
        </p>
      ) : (
        <ol aria-label="Activity" className="grid gap-1 text-sm">
          {entries.map((e) => (
            <li key={e.key} data-testid="activity" className={`flex gap-3 ${TONE[e.tone]}`}>
              <time dateTime={new Date(e.at).toISOString()} className="shrink-0 font-mono text-slate-500">
                {clock(e.at)}
              </time>
              <span>{e.text}</span>
            </li>
          ))}
        </ol>
      )}
      {canSeeDetails && details && (
        <div id="cti-details" className="mt-3 border-t border-slate-100 pt-2">
          <h3 className="mb-1 text-sm font-medium">CTI events for {dn}</h3>
          <ul className="grid gap-1 font-mono text-xs">
            {raw.map((e) => (
              <li key={e.seq} data-testid="cti-event">
                {e.event} conn={e.connId ?? "—"} other={e.otherDn ?? "—"}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
