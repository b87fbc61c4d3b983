"use client";

import { useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";
import { AppShell } from "../_components/app-shell";
import { errorMessage } from "../_lib/error-message";
import { trpc } from "../_lib/trpc";
import { CallCard } from "./call-card";
import { CallFilters, type CallFilterValues, NO_FILTER, callsQuery } from "./call-filters";

const PAGE_SIZE = 20;

export default function RecordingsPage() {
  return (
    <AppShell requiredRole="supervisor">
      {/* useSearchParams: the page's address is known in the browser only. */}
      <Suspense>
        <RecordedCalls />
      </Suspense>
    </AppShell>
  );
}

/**
 * The call view: one card per recorded call, newest first, searched by the filters and paged by
 * the server's cursor ("Older" goes on from the last call shown; "Newer" back to the page before).
 */
function RecordedCalls() {
  // A link from the dashboard names a call: /recordings?text=<ConnID>.
  const search = useSearchParams();
  const [filters, setFilters] = useState<CallFilterValues>(() => ({
    ...NO_FILTER,
    text: search.get("text")?.slice(0, 128) ?? "",
  }));
  // The cursors of the pages before this one; the last is this page's ("" for the first).
  const [cursors, setCursors] = useState<string[]>([""]);
  const cursor = cursors.at(-1)!;
  const calls = trpc.recording.calls.useQuery(
    { ...callsQuery(filters), limit: PAGE_SIZE, ...(cursor === "" ? {} : { cursor }) },
    // The previous list stays while a new filter loads, instead of flashing "Loading…" per keystroke.
    { refetchInterval: 5000, placeholderData: (previous) => previous },
  );
  // Which recorders play their recordings themselves (a playback URL): those get a link.
  const recorders = trpc.recorder.list.useQuery();
  const now = Date.now();
  const changeFilters = (next: CallFilterValues) => {
    setFilters(next);
    setCursors([""]);
  };
  return (
    <section aria-labelledby="calls-title" className="space-y-3">
      <h1 id="calls-title" className="text-xl font-semibold">
        Recorded calls
      </h1>
      <CallFilters values={filters} onChange={changeFilters} />
      {calls.isLoading && <p className="text-slate-500">Loading…</p>}
      {/* Refetched every few seconds: a failed refetch keeps the last list and says it may be stale. */}
      {calls.error && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
          {calls.data ? "Could not refresh the list: " : ""}
          {errorMessage(calls.error)}
        </p>
      )}
      {calls.data?.calls.length === 0 && <p className="text-slate-500">No call matches.</p>}
      {calls.data && calls.data.calls.length > 0 && (
        <ul aria-label="Recorded calls" className="grid grid-cols-1 gap-3">
          {calls.data.calls.map((call) => (
            <CallCard key={call.connId} call={call} recorders={recorders.data ?? []} now={now} />
          ))}
        </ul>
      )}
      <nav aria-label="Pages" className="flex items-center gap-3 text-sm">
        <button
          type="button"
          disabled={cursors.length === 1}
          onClick={() => setCursors(cursors.slice(0, -1))}
          className="rounded-md border border-slate-300 px-3 py-1 hover:bg-slate-50 disabled:opacity-40 max-md:min-h-10"
        >
          ← Newer
        </button>
        <span data-testid="page-number">Page {cursors.length}</span>
        <button
          type="button"
          disabled={!calls.data?.nextCursor}
          onClick={() => calls.data?.nextCursor && setCursors([...cursors, calls.data.nextCursor])}
          className="rounded-md border border-slate-300 px-3 py-1 hover:bg-slate-50 disabled:opacity-40 max-md:min-h-10"
        >
          Older →
        </button>
      </nav>
    </section>
  );
}
