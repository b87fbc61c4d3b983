"use client";

import { useState } from "react";
import { AppShell } from "../../_components/app-shell";
import { TableNote } from "../../_components/table-note";
import { errorMessage } from "../../_lib/error-message";
import { trpc } from "../../_lib/trpc";
import { ColumnHeads } from "../../_components/column-heads";

export default function AuditPage() {
  return (
    <AppShell requiredRole="admin">
      <AuditLog />
    </AppShell>
  );
}

function AuditLog() {
  const [entity, setEntity] = useState("");
  const events = trpc.audit.list.useQuery({ limit: 200, entity: entity || undefined });
  return (
    <section aria-labelledby="audit-title" className="space-y-3">
      <div className="flex flex-wrap items-end gap-3">
        <h1 id="audit-title" className="mr-auto text-xl font-semibold">
          Audit log
        </h1>
        <label className="text-sm">
          <span className="sr-only">Filter by object type</span>
          <select
            value={entity}
            onChange={(e) => setEntity(e.target.value)}
            className="rounded-md border border-slate-300 px-2 py-1.5"
          >
            <option value="">Everything</option>
            <option value="Dn">DNs</option>
            <option value="AgentLogin">Agent logins</option>
            <option value="Recorder">Recorders</option>
            <option value="User">Users</option>
            <option value="ApiToken">API tokens</option>
            <option value="RecordingSession">Recordings (listened, downloaded)</option>
          </select>
        </label>
      </div>
      <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="max-md:stacked-table w-full text-left text-sm" aria-label="Audit events">
          <ColumnHeads columns={["When", "Who", "What", "Object", "Before → after"]} />
          <tbody className="divide-y divide-slate-100 align-top">
            {events.isLoading && <TableNote columns={5}>Loading…</TableNote>}
            {events.error && (
              <TableNote columns={5} alert>
                {errorMessage(events.error)}
              </TableNote>
            )}
            {events.data?.length === 0 && (
              <TableNote columns={5}>
                {entity ? "No change of this kind has been made yet." : "No change has been made yet."}
              </TableNote>
            )}
            {events.data?.map((e) => (
              <tr key={e.id}>
                <td className="px-4 py-2 whitespace-nowrap text-slate-500" data-label="When">
                  {e.at.toLocaleString()}
                </td>
                <td className="px-4 py-2" data-label="Who">
                  {e.actor}
                </td>
                <td className="px-4 py-2 font-mono text-xs" data-label="What">
                  {e.action}
                </td>
                <td className="px-4 py-2 break-all" data-label="Object">
                  {e.entity} {e.entityId}
                </td>
                <td className="max-w-md px-4 py-2 font-mono text-xs break-all text-slate-600 max-md:max-w-none">
                  {e.before !== null && <div className="text-red-700">− {JSON.stringify(e.before)}</div>}
                  {e.after !== null && <div className="text-green-700">+ {JSON.stringify(e.after)}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
