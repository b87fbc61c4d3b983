"use client";

import { useState } from "react";
import { errorMessage } from "../_lib/error-message";
import { byId, useFocusAfterRender } from "../_lib/focus";
import { type RouterOutputs, trpc } from "../_lib/trpc";

type Alarm = RouterOutputs["alarm"]["open"][number];

const KIND_LABEL: Record<string, string> = {
  recorder_failed: "Recording failed",
  media_engine_unreachable: "Media engine unreachable",
  media_engine_lost: "Media engine lost",
  recording_missing: "Call not recorded",
  pause_cut_short: "Pause cut short",
};

const SHOWN = 8;
const ackButtonId = (index: number) => `alarm-ack-${index}`;

/**
 * Open alarms on every supervisor page, pushed by the server: a recording that failed or a media
 * engine that stopped answering stays here until somebody acknowledges it.
 */
export function AlarmBanner() {
  const [alarms, setAlarms] = useState<Alarm[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Acknowledged here but perhaps still in the last pushed list: hidden at once, so the row (and the
  // button that had focus) does not linger until the next push.
  const [acknowledged, setAcknowledged] = useState<ReadonlySet<string>>(new Set());
  const focusAfterRender = useFocusAfterRender();
  trpc.alarm.watch.useSubscription(undefined, {
    onData: (rows) => {
      setAlarms(rows);
      setError(null);
    },
    onError: (e) => setError(errorMessage(e)),
  });
  const acknowledge = trpc.alarm.acknowledge.useMutation({
    onMutate: () => setError(null),
    onSuccess: (_result, { ids }) => {
      const shown = (alarms ?? []).filter((a) => !acknowledged.has(a.id));
      const next = new Set([...acknowledged, ...ids]);
      setAcknowledged(next);
      // Focus goes to the button that takes the acknowledged one's place, or past the banner once
      // it is empty.
      const left = shown.filter((a) => !next.has(a.id)).length;
      const index = Math.min(
        shown.findIndex((a) => a.id === ids[0]),
        Math.min(left, SHOWN) - 1,
      );
      focusAfterRender(index >= 0 ? byId(ackButtonId(index)) : byId("main"));
    },
    onError: (e) => setError(errorMessage(e)),
  });
  const pendingIds = acknowledge.isPending ? (acknowledge.variables?.ids ?? []) : [];

  if (!alarms) {
    // Nothing is shown while the first list is on its way: a banner that flashes "loading" on
    // every page would be noise. A failure to get it is worth saying, though.
    return error ? (
      <p role="alert" className="mb-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
        Open alarms could not be loaded: {error}
      </p>
    ) : null;
  }
  const open = alarms.filter((a) => !acknowledged.has(a.id));
  if (open.length === 0) return null;
  const ack = (ids: string[]) => {
    if (!acknowledge.isPending) acknowledge.mutate({ ids });
  };
  return (
    <section
      aria-label="Alarms"
      className="mb-4 rounded-lg border border-red-300 bg-red-50 p-3 text-sm text-red-900"
    >
      <div className="mb-2 flex flex-wrap items-center gap-3">
        <h2 className="font-semibold">
          {open.length} open alarm{open.length === 1 ? "" : "s"}
        </h2>
        {open.length > 1 && (
          <button
            type="button"
            // aria-disabled rather than disabled: a disabled button drops keyboard focus to <body>.
            aria-disabled={acknowledge.isPending}
            onClick={() => ack(open.map((a) => a.id))}
            className="ml-auto rounded-md border border-red-300 bg-white px-2 py-1 text-xs hover:bg-red-100 aria-disabled:opacity-60 max-md:min-h-10 max-md:px-3 max-md:text-sm"
          >
            {acknowledge.isPending && pendingIds.length > 1 ? "Acknowledging…" : "Acknowledge all"}
          </button>
        )}
      </div>
      <ul className="grid gap-1.5">
        {open.slice(0, SHOWN).map((alarm, index) => (
          <li key={alarm.id} data-testid="alarm" className="flex flex-wrap items-start gap-x-3 gap-y-1">
            <span className="font-mono text-xs text-red-700">
              {new Date(alarm.lastRaisedAt).toLocaleString()}
            </span>
            <span className="font-medium">{KIND_LABEL[alarm.kind] ?? alarm.kind}</span>
            <span className="min-w-0 flex-1 break-words max-md:basis-full">
              {alarm.message}
              {alarm.connId ? ` · call ${alarm.connId}` : ""}
              {alarm.recordingId ? ` · recording ${alarm.recordingId}` : ""}
              {alarm.subject ? ` · ${alarm.subject}` : ""}
              {alarm.count > 1 ? ` · ${alarm.count} times` : ""}
            </span>
            <button
              id={ackButtonId(index)}
              type="button"
              aria-disabled={acknowledge.isPending}
              onClick={() => ack([alarm.id])}
              aria-label={`Acknowledge alarm: ${KIND_LABEL[alarm.kind] ?? alarm.kind}, ${alarm.message}`}
              className="rounded-md border border-red-300 bg-white px-2 py-0.5 text-xs hover:bg-red-100 aria-disabled:opacity-60 max-md:min-h-10 max-md:px-3 max-md:text-sm"
            >
              {pendingIds.length === 1 && pendingIds[0] === alarm.id ? "Acknowledging…" : "Acknowledge"}
            </button>
          </li>
        ))}
      </ul>
      {open.length > SHOWN && <p className="mt-1 text-xs">…and {open.length - SHOWN} more.</p>}
      {error && (
        <p role="alert" className="mt-2 text-xs">
          {error}
        </p>
      )}
    </section>
  );
}
