"use client";

import { useState } from "react";
import { errorMessage } from "../_lib/error-message";
import { type RouterOutputs, trpc } from "../_lib/trpc";

type Alarm = RouterOutputs["alarm"]["open"][number];

const KIND_LABEL: Record<string, string> = {
  recorder_failed: "Recording failed",
  media_engine_unreachable: "Media engine unreachable",
};

/**
 * Open alarms on every supervisor page, pushed by the server: a recording that failed or a media
 * engine that stopped answering stays here until somebody acknowledges it.
 */
export function AlarmBanner() {
  const [alarms, setAlarms] = useState<Alarm[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  trpc.alarm.watch.useSubscription(undefined, {
    onData: (rows) => setAlarms(rows),
    onError: (e) => setError(errorMessage(e)),
  });
  const acknowledge = trpc.alarm.acknowledge.useMutation({
    onSuccess: () => setError(null),
    onError: (e) => setError(errorMessage(e)),
  });
  if (error && !alarms) return null;
  if (!alarms || alarms.length === 0) return null;
  return (
    <section
      aria-label="Alarms"
      className="mb-4 rounded-lg border border-red-300 bg-red-50 p-3 text-sm text-red-900"
    >
      <div className="mb-2 flex flex-wrap items-center gap-3">
        <h2 className="font-semibold">
          {alarms.length} open alarm{alarms.length === 1 ? "" : "s"}
        </h2>
        {alarms.length > 1 && (
          <button
            type="button"
            disabled={acknowledge.isPending}
            onClick={() => acknowledge.mutate({ ids: alarms.map((a) => a.id) })}
            className="ml-auto rounded-md border border-red-300 bg-white px-2 py-1 text-xs hover:bg-red-100 disabled:opacity-60"
          >
            Acknowledge all
          </button>
        )}
      </div>
      <ul className="grid gap-1.5">
        {alarms.slice(0, 8).map((alarm) => (
          <li key={alarm.id} data-testid="alarm" className="flex flex-wrap items-start gap-x-3 gap-y-1">
            <span className="font-mono text-xs text-red-700">
              {new Date(alarm.lastRaisedAt).toLocaleString()}
            </span>
            <span className="font-medium">{KIND_LABEL[alarm.kind] ?? alarm.kind}</span>
            <span className="min-w-0 flex-1 break-words">
              {alarm.message}
              {alarm.connId ? ` · call ${alarm.connId}` : ""}
              {alarm.recordingId ? ` · recording ${alarm.recordingId}` : ""}
              {alarm.subject ? ` · ${alarm.subject}` : ""}
              {alarm.count > 1 ? ` · ${alarm.count} times` : ""}
            </span>
            <button
              type="button"
              disabled={acknowledge.isPending}
              onClick={() => acknowledge.mutate({ ids: [alarm.id] })}
              aria-label={`Acknowledge alarm: ${KIND_LABEL[alarm.kind] ?? alarm.kind}, ${alarm.message}`}
              className="rounded-md border border-red-300 bg-white px-2 py-0.5 text-xs hover:bg-red-100 disabled:opacity-60"
            >
              Acknowledge
            </button>
          </li>
        ))}
      </ul>
      {alarms.length > 8 && <p className="mt-1 text-xs">…and {alarms.length - 8} more.</p>}
      {error && (
        <p role="alert" className="mt-2 text-xs">
          {error}
        </p>
      )}
    </section>
  );
}
