"use client";

import { Suspense, useDeferredValue, useState } from "react";
import { AppShell } from "../../_components/app-shell";
import { ColumnHeads } from "../../_components/column-heads";
import { TableNote } from "../../_components/table-note";
import { errorMessage } from "../../_lib/error-message";
import { type RouterOutputs, trpc } from "../../_lib/trpc";
import { useViewInAddress } from "../../_lib/use-view-in-address";
import {
  AuditFilters,
  auditFiltersFromQuery,
  auditFiltersToQuery,
  ENTITY_LABELS,
  toAuditFilter,
} from "./audit-filters";
import { DownloadAuditCsv } from "./download-audit-csv";

const PAGE_SIZE = 50;
type AuditEvent = RouterOutputs["audit"]["page"]["events"][number];

export default function AuditPage() {
  return (
    <AppShell requiredRole="admin">
      <Suspense>
        <AuditLog />
      </Suspense>
    </AppShell>
  );
}

function AuditLog() {
  // The filters live in the address, so a reload or a shared link keeps them.
  const [form, setForm] = useViewInAddress(auditFiltersFromQuery, auditFiltersToQuery);
  const [page, setPage] = useState(0);
  // Typing in the object box keeps the input responsive: the table follows at a lower priority.
  const filter = toAuditFilter(useDeferredValue(form));
  const events = trpc.audit.page.useQuery({ ...filter, limit: PAGE_SIZE, page });
  const total = events.data?.total ?? 0;
  const first = page * PAGE_SIZE;
  const filtered = Object.values(form).some((v) => v !== "");
  return (
    <section aria-labelledby="audit-title" className="space-y-3">
      <div className="flex flex-wrap items-end gap-3">
        <h1 id="audit-title" className="mr-auto text-xl font-semibold">
          Audit log
        </h1>
        <DownloadAuditCsv filter={filter} />
      </div>
      <AuditFilters
        value={form}
        onChange={(next) => {
          setForm(next);
          setPage(0);
        }}
      />
      <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="max-lg:stacked-table w-full text-left text-sm" aria-label="Audit events">
          <ColumnHeads columns={["When", "Who", "What", "Object", "Changes"]} />
          <tbody className="divide-y divide-slate-100 align-top">
            {events.isLoading && <TableNote columns={5}>Loading…</TableNote>}
            {events.error && (
              <TableNote columns={5} alert>
                {errorMessage(events.error)}
              </TableNote>
            )}
            {events.data?.events.length === 0 && (
              <TableNote columns={5}>
                {filtered ? "No change matches these filters." : "No change has been made yet."}
              </TableNote>
            )}
            {events.data?.events.map((e) => (
              <AuditRow key={e.id} event={e} />
            ))}
          </tbody>
        </table>
      </div>
      {total > 0 && (
        <nav aria-label="Audit log pages" className="flex items-center gap-3 text-sm">
          <span role="status" className="mr-auto text-slate-600">
            {first + 1}–{Math.min(first + PAGE_SIZE, total)} of {total}
          </span>
          <button
            type="button"
            disabled={page === 0}
            onClick={() => setPage(page - 1)}
            className="rounded-md border border-slate-300 px-3 py-1.5 hover:bg-slate-50 disabled:opacity-40"
          >
            Newer
          </button>
          <button
            type="button"
            disabled={first + PAGE_SIZE >= total}
            onClick={() => setPage(page + 1)}
            className="rounded-md border border-slate-300 px-3 py-1.5 hover:bg-slate-50 disabled:opacity-40"
          >
            Older
          </button>
        </nav>
      )}
    </section>
  );
}

function AuditRow({ event: e }: { event: AuditEvent }) {
  const kind = ENTITY_LABELS[e.entity] ?? e.entity;
  return (
    <tr data-testid="audit-row">
      <td className="px-4 py-2 whitespace-nowrap text-slate-500" data-label="When">
        {e.at.toLocaleString()}
      </td>
      <td className="px-4 py-2" data-label="Who">
        <span className="font-medium">{e.actorName ?? e.actorUsername}</span>
        {e.actorName && <span className="text-slate-500"> ({e.actorUsername})</span>}
        {e.viaApiToken && <span className="block text-xs text-slate-500">via API token</span>}
      </td>
      <td className="px-4 py-2 font-mono text-xs" data-label="What">
        {e.action}
      </td>
      <td className="px-4 py-2 break-all" data-label="Object">
        {kind} <span className="font-medium">{e.entityName}</span>
        {e.entityName !== e.entityId && (
          <span className="block font-mono text-xs break-all text-slate-400">{e.entityId}</span>
        )}
      </td>
      <td className="max-w-md px-4 py-2 text-xs text-slate-700 max-lg:max-w-none" data-label="Changes">
        {e.changes.length === 0 ? (
          <span className="text-slate-400">no field changed</span>
        ) : (
          <ul className="space-y-0.5">
            {e.changes.map((c) => (
              <li key={c.field} className="break-words">
                <span className="font-medium">{c.field}</span>
                {": "}
                {c.after === "changed" && c.before === null ? (
                  <em>changed</em>
                ) : (
                  <>
                    {c.before !== null && (
                      <span className="text-red-700 line-through">{c.before || "“”"}</span>
                    )}
                    {c.before !== null && c.after !== null && " → "}
                    {c.after !== null && <span className="text-green-700">{c.after || "“”"}</span>}
                    {c.before !== null && c.after === null && (
                      <span className="text-slate-500"> (removed)</span>
                    )}
                  </>
                )}
              </li>
            ))}
          </ul>
        )}
      </td>
    </tr>
  );
}
