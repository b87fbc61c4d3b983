"use client";

import { useState } from "react";
import type { DnType } from "../../common/schemas/config-schemas";
import { RecordToggle } from "../_components/record-toggle";
import { TableNote } from "../_components/table-note";
import { errorMessage } from "../_lib/error-message";
import { byId, useFocusAfterRender } from "../_lib/focus";
import { trpc } from "../_lib/trpc";
import { useIsAdmin } from "../_lib/use-is-admin";
import { ColumnHeads } from "../_components/column-heads";
import { RowDelete } from "../_components/row-delete";
import { DnForm } from "./dn-form";
import { dnFieldId, type DnView } from "./dn-form-state";

const TYPE_LABEL: Record<DnType, string> = {
  extension: "Extension",
  trunk: "Trunk",
  routing_point: "Routing point",
};

const SMALL_BUTTON =
  "rounded-md border border-slate-300 bg-white px-2 py-1 hover:bg-slate-50 aria-disabled:opacity-60";
const editButtonId = (number: string) => `dn-edit-${number}`;

export function DnSection() {
  const utils = trpc.useUtils();
  const isAdmin = useIsAdmin();
  const focusAfterRender = useFocusAfterRender();
  const [type, setType] = useState<DnType | "">("");
  const [search, setSearch] = useState("");
  const [recordFilter, setRecordFilter] = useState<"" | "on" | "off">("");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [editing, setEditing] = useState<DnView | null>(null);
  const [toggleError, setToggleError] = useState<string | null>(null);
  const [bulkMessage, setBulkMessage] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);
  const filter = {
    type: type || undefined,
    search: search || undefined,
    record: recordFilter === "" ? undefined : recordFilter === "on",
  };
  const dns = trpc.dn.list.useQuery(filter);
  trpc.events.config.useSubscription(undefined, { onData: () => void utils.dn.list.invalidate() });

  // One mutation for a single switch and for bulk: every named DN changes, or none does.
  const setRecord = trpc.dn.setRecordMany.useMutation({
    // Optimistic: the switches move at once and move back if the server refuses.
    onMutate: async ({ numbers, record }) => {
      setToggleError(null);
      setBulkMessage(null);
      await utils.dn.list.cancel(filter);
      const previous = utils.dn.list.getData(filter);
      utils.dn.list.setData(filter, (rows) =>
        rows?.map((r) => (numbers.includes(r.number) ? { ...r, record } : r)),
      );
      return { previous };
    },
    onError: (error, _vars, context) => {
      utils.dn.list.setData(filter, context?.previous);
      setToggleError(errorMessage(error));
    },
    onSettled: () => void utils.dn.list.invalidate(),
  });

  function bulkRecord(record: boolean) {
    if (setRecord.isPending) return;
    const numbers = [...selected];
    setRecord.mutate(
      { numbers, record },
      {
        // The bulk bar goes away with the selection; its outcome takes focus in its place.
        onSuccess: () => {
          setSelected(new Set());
          setBulkMessage(`Turned record ${record ? "on" : "off"} for ${numbers.join(", ")}.`);
          focusAfterRender(byId("dn-bulk-message"));
        },
      },
    );
  }

  const remove = trpc.dn.delete.useMutation({
    onMutate: () => {
      setToggleError(null);
      setBulkMessage(null);
    },
    onSuccess: (_result, { number }) => {
      setConfirmDelete(null);
      if (editing?.number === number) setEditing(null);
      setSelected((previous) => new Set([...previous].filter((n) => n !== number)));
      // The row is gone: the outcome takes the focus in its place.
      setBulkMessage(`Deleted DN ${number}.`);
      focusAfterRender(byId("dn-bulk-message"));
    },
    onError: (error) => setToggleError(errorMessage(error)),
    onSettled: () => void utils.dn.list.invalidate(),
  });

  function startEdit(dn: DnView) {
    // A new object each time, so pressing Edit again reloads the row even when it is the same DN.
    setEditing({ ...dn });
    focusAfterRender(byId(dnFieldId("number")), byId("dn-form"));
  }

  function cancelEdit() {
    const number = editing?.number;
    setEditing(null);
    focusAfterRender(
      () =>
        (number ? document.getElementById(editButtonId(number)) : null) ??
        document.getElementById(dnFieldId("number")),
    );
  }

  const columns = isAdmin ? 7 : 5;
  return (
    <section aria-labelledby="dns-title" className="space-y-3">
      <div className="flex flex-wrap items-end gap-3">
        <h2 id="dns-title" tabIndex={-1} className="mr-auto text-xl font-semibold">
          DNs
        </h2>
        <label className="text-sm">
          <span className="sr-only">Search DNs</span>
          <input
            placeholder="Search number or name"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            className="rounded-md border border-slate-300 px-3 py-1.5"
          />
        </label>
        <label className="text-sm">
          <span className="sr-only">Filter by type</span>
          <select
            value={type}
            onChange={(e) => setType(e.target.value as DnType | "")}
            className="rounded-md border border-slate-300 px-2 py-1.5"
          >
            <option value="">All types</option>
            <option value="extension">Extensions</option>
            <option value="trunk">Trunks</option>
            <option value="routing_point">Routing points</option>
          </select>
        </label>
        <label className="text-sm">
          <span className="sr-only">Filter by record</span>
          <select
            value={recordFilter}
            onChange={(e) => setRecordFilter(e.target.value as "" | "on" | "off")}
            className="rounded-md border border-slate-300 px-2 py-1.5"
          >
            <option value="">Any record setting</option>
            <option value="on">record on</option>
            <option value="off">record off</option>
          </select>
        </label>
      </div>
      {isAdmin && selected.size > 0 && (
        <div
          className="flex flex-wrap items-center gap-3 rounded-md bg-slate-100 px-3 py-2 text-sm"
          role="group"
          aria-label="Bulk actions"
        >
          <span>{selected.size} selected</span>
          {/* aria-disabled while saving: a disabled button would drop keyboard focus to <body>. */}
          <button
            type="button"
            aria-disabled={setRecord.isPending}
            onClick={() => bulkRecord(true)}
            className={SMALL_BUTTON}
          >
            {setRecord.isPending && setRecord.variables?.record === true ? "Saving…" : "Turn record on"}
          </button>
          <button
            type="button"
            aria-disabled={setRecord.isPending}
            onClick={() => bulkRecord(false)}
            className={SMALL_BUTTON}
          >
            {setRecord.isPending && setRecord.variables?.record === false ? "Saving…" : "Turn record off"}
          </button>
          <button
            type="button"
            onClick={() => {
              setSelected(new Set());
              focusAfterRender(byId("dns-title"));
            }}
            className="ml-auto text-slate-600 underline"
          >
            Clear selection
          </button>
        </div>
      )}
      {bulkMessage && (
        <p id="dn-bulk-message" role="status" tabIndex={-1} className="text-sm text-green-700">
          {bulkMessage}
        </p>
      )}
      {toggleError && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
          {toggleError}
        </p>
      )}
      <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="max-md:stacked-table w-full text-left text-sm" aria-label="DNs">
          <ColumnHeads
            columns={[
              ...(isAdmin ? [{ hidden: "Select" }] : []),
              "Number",
              "Type",
              "Name",
              "Details",
              "record",
              ...(isAdmin ? [{ hidden: "Edit" }] : []),
            ]}
          />
          <tbody className="divide-y divide-slate-100">
            {dns.isLoading && <TableNote columns={columns}>Loading…</TableNote>}
            {dns.error && (
              <TableNote columns={columns} alert>
                {errorMessage(dns.error)}
              </TableNote>
            )}
            {dns.data?.length === 0 && <TableNote columns={columns}>No DNs match.</TableNote>}
            {dns.data?.map((dn) => (
              <tr key={dn.id} data-testid={`dn-row-${dn.number}`}>
                {isAdmin && (
                  <td className="px-4 py-2 max-md:float-right max-md:w-auto!">
                    {dn.type !== "routing_point" && (
                      <input
                        type="checkbox"
                        className="max-md:size-6"
                        aria-label={`select ${dn.number}`}
                        checked={selected.has(dn.number)}
                        onChange={(e) => {
                          const next = new Set(selected);
                          if (e.target.checked) next.add(dn.number);
                          else next.delete(dn.number);
                          setSelected(next);
                          setBulkMessage(null);
                        }}
                      />
                    )}
                  </td>
                )}
                <th
                  scope="row"
                  className="px-4 py-2 font-mono font-normal max-md:text-base max-md:font-semibold"
                >
                  {dn.number}
                </th>
                <td className="px-4 py-2" data-label="Type">
                  {TYPE_LABEL[dn.type]}
                </td>
                <td className="px-4 py-2" data-label="Name">
                  {dn.displayName}
                </td>
                <td className="px-4 py-2 text-slate-500" data-label="Details">
                  {dn.type === "trunk" &&
                    `peer ${dn.peer ?? "—"}; inbound ${dn.inboundNumbers.join(", ") || "—"}; prefix ${dn.outboundPrefix ?? "—"}`}
                  {dn.type === "routing_point" && `→ ${dn.routeTarget ?? "—"}, record=${dn.routeRecord}`}
                  {dn.type === "extension" && (dn.hasPassword ? "SIP password set" : "no SIP password")}
                  {dn.type !== "routing_point" && dn.dtmfMasking !== "events+inband" && (
                    <span className="ml-1 text-amber-700">
                      {dn.dtmfMasking === "off"
                        ? "; key presses are recorded"
                        : "; in-band key tones are recorded"}
                    </span>
                  )}
                  {dn.type !== "routing_point" && dn.recordingTone !== "off" && (
                    <span className="ml-1">
                      {dn.recordingTone === "repeat"
                        ? `; recording tone every ${dn.recordingToneEverySeconds} s`
                        : "; recording tone"}
                      {dn.recordingToneParties === "both" ? "" : ` (${dn.recordingToneParties})`}
                    </span>
                  )}
                </td>
                <td className="px-4 py-2 max-md:flex! max-md:items-center" data-label="record">
                  {dn.type === "routing_point" ? (
                    <span className="text-slate-400">n/a</span>
                  ) : (
                    <RecordToggle
                      checked={dn.record}
                      disabled={!isAdmin}
                      label={`record ${dn.number}`}
                      onChange={(record) => setRecord.mutate({ numbers: [dn.number], record })}
                    />
                  )}
                </td>
                {isAdmin && (
                  <td className="px-4 py-2 text-right max-md:flex! max-md:flex-wrap max-md:gap-2">
                    <button
                      id={editButtonId(dn.number)}
                      type="button"
                      onClick={() => startEdit(dn)}
                      className="rounded-md border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-50 max-md:min-h-10 max-md:px-3 max-md:text-sm"
                    >
                      Edit {dn.number}
                    </button>
                    <span className="ml-2 inline-block max-md:ml-0">
                      <RowDelete
                        subject={dn.number}
                        idBase={`dn-${dn.id}`}
                        short
                        confirming={confirmDelete === dn.number}
                        pending={remove.isPending}
                        onAsk={() => setConfirmDelete(dn.number)}
                        onCancel={() => setConfirmDelete(null)}
                        onConfirm={() => remove.mutate({ number: dn.number })}
                      />
                    </span>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {isAdmin && <DnForm editing={editing} onSaved={() => setEditing(null)} onCancel={cancelEdit} />}
    </section>
  );
}
