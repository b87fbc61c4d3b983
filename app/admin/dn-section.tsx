"use client";

import { type FormEvent, useState } from "react";
import {
  type DnType,
  ROUTE_RECORD_VALUES,
  type RouteRecord,
  type SetDnInput,
  zSetDnInput,
} from "../../common/schemas/config-schemas";
import { parseParamsString } from "../../common/schemas/recording-schemas";
import { Field, FormMessage, type FormMessageValue, SubmitButton } from "../_components/form-controls";
import { RecordToggle } from "../_components/record-toggle";
import { TableNote } from "../_components/table-note";
import { errorMessage } from "../_lib/error-message";
import { byId, useFocusAfterRender } from "../_lib/focus";
import { type FormError, formError } from "../_lib/form-errors";
import { type RouterOutputs, trpc } from "../_lib/trpc";
import { useIsAdmin } from "../_lib/use-is-admin";
import { ColumnHeads } from "../_components/column-heads";

type DnView = RouterOutputs["dn"]["list"][number];

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
          className="flex items-center gap-3 rounded-md bg-slate-100 px-3 py-2 text-sm"
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
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="w-full text-left text-sm" aria-label="DNs">
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
                  <td className="px-4 py-2">
                    {dn.type !== "routing_point" && (
                      <input
                        type="checkbox"
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
                <th scope="row" className="px-4 py-2 font-mono font-normal">
                  {dn.number}
                </th>
                <td className="px-4 py-2">{TYPE_LABEL[dn.type]}</td>
                <td className="px-4 py-2">{dn.displayName}</td>
                <td className="px-4 py-2 text-slate-500">
                  {dn.type === "trunk" &&
                    `peer ${dn.peer ?? "—"}; inbound ${dn.inboundNumbers.join(", ") || "—"}; prefix ${dn.outboundPrefix ?? "—"}`}
                  {dn.type === "routing_point" && `→ ${dn.routeTarget ?? "—"}, record=${dn.routeRecord}`}
                  {dn.type === "extension" && (dn.hasPassword ? "SIP password set" : "no SIP password")}
                </td>
                <td className="px-4 py-2">
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
                  <td className="px-4 py-2 text-right">
                    <button
                      id={editButtonId(dn.number)}
                      type="button"
                      onClick={() => startEdit(dn)}
                      className="rounded-md border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-50"
                    >
                      Edit {dn.number}
                    </button>
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

type DnFormState = {
  number: string;
  type: DnType;
  displayName: string;
  password: string;
  peer: string;
  inbound: string;
  outboundPrefix: string;
  routeTarget: string;
  routeRecord: RouteRecord;
  routeParams: string;
};
type DnField = keyof DnFormState;

/** The form's fields in screen order: the first invalid one in this order takes focus. */
const DN_FIELDS: readonly DnField[] = [
  "number",
  "type",
  "displayName",
  "password",
  "peer",
  "inbound",
  "outboundPrefix",
  "routeTarget",
  "routeRecord",
  "routeParams",
];
/** The server's input names where they differ from the form's. */
const dnFieldOf = (key: string): DnField | undefined =>
  key === "inboundNumbers" ? "inbound" : DN_FIELDS.find((f) => f === key);
const dnFieldId = (field: DnField) => `dn-field-${field}`;
const DN_MESSAGE_ID = "dn-form-message";

const EMPTY_DN_FORM: DnFormState = {
  number: "",
  type: "extension",
  displayName: "",
  password: "",
  peer: "",
  inbound: "",
  outboundPrefix: "",
  routeTarget: "",
  routeRecord: "none",
  routeParams: "",
};

function formFromDn(dn: DnView): DnFormState {
  return {
    number: dn.number,
    type: dn.type,
    displayName: dn.displayName,
    password: "",
    peer: dn.peer ?? "",
    inbound: dn.inboundNumbers.join(", "),
    outboundPrefix: dn.outboundPrefix ?? "",
    routeTarget: dn.routeTarget ?? "",
    routeRecord: dn.routeRecord,
    routeParams: new URLSearchParams(dn.routeParams).toString(),
  };
}

/** The fields that belong to the chosen type, in the shape the server's schema takes. */
function dnInputFrom(form: DnFormState): SetDnInput {
  const common = { number: form.number, type: form.type, displayName: form.displayName || undefined };
  if (form.type === "extension") return { ...common, password: form.password || undefined };
  if (form.type === "trunk") {
    return {
      ...common,
      peer: form.peer || undefined,
      inboundNumbers: form.inbound
        .split(",")
        .map((n) => n.trim())
        .filter(Boolean),
      outboundPrefix: form.outboundPrefix || null,
    };
  }
  return {
    ...common,
    routeTarget: form.routeTarget || null,
    routeRecord: form.routeRecord,
    routeParams: parseParamsString(form.routeParams),
  };
}

function DnForm(props: { editing: DnView | null; onSaved: () => void; onCancel: () => void }) {
  const { editing } = props;
  const utils = trpc.useUtils();
  const focusAfterRender = useFocusAfterRender();
  const [form, setForm] = useState<DnFormState>(() => (editing ? formFromDn(editing) : EMPTY_DN_FORM));
  const [loadedFrom, setLoadedFrom] = useState(editing);
  const [message, setMessage] = useState<FormMessageValue>(null);
  const [invalid, setInvalid] = useState<ReadonlySet<DnField>>(new Set());
  // Starting or leaving an edit loads that DN or an empty form. Adjusted while rendering (React's
  // advice over an effect) so the fields never show the previous DN for a frame; the message is
  // kept when leaving, since a successful save of the edit is what ends it.
  if (editing !== loadedFrom) {
    setLoadedFrom(editing);
    setForm(editing ? formFromDn(editing) : EMPTY_DN_FORM);
    setInvalid(new Set());
    if (editing) setMessage(null);
  }

  const save = trpc.dn.set.useMutation({
    onSuccess: async (dn) => {
      setMessage({ kind: "ok", text: `Saved DN ${dn.number}.` });
      setInvalid(new Set());
      if (editing) props.onSaved();
      else setForm({ ...EMPTY_DN_FORM, type: form.type });
      // The Save button was disabled while saving, which took focus from it: the outcome takes it.
      focusAfterRender(byId(DN_MESSAGE_ID));
      await utils.dn.list.invalidate();
    },
    onError: (error) => refuse(formError({ error }, DN_FIELDS, dnFieldOf)),
  });

  /** Shows why, marks the fields concerned, and puts focus on the first one (or on the message). */
  function refuse(error: FormError<DnField>) {
    setMessage({ kind: "error", text: error.text });
    setInvalid(new Set(error.fields));
    focusAfterRender(
      () =>
        error.fields.map((f) => document.getElementById(dnFieldId(f))).find((el) => el !== null) ??
        document.getElementById(DN_MESSAGE_ID),
    );
  }

  function cancel() {
    setMessage(null);
    props.onCancel();
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    let input: SetDnInput;
    try {
      input = dnInputFrom(form);
    } catch (error) {
      refuse({ text: errorMessage(error), fields: ["routeParams"] });
      return;
    }
    const parsed = zSetDnInput.safeParse(input);
    if (!parsed.success) {
      refuse(formError({ issues: parsed.error.issues }, DN_FIELDS, dnFieldOf));
      return;
    }
    save.mutate(input);
  }

  const set = (patch: Partial<DnFormState>) => {
    setForm({ ...form, ...patch });
    // A field the person changed is no longer the one we complained about.
    if (Object.keys(patch).some((k) => invalid.has(k as DnField))) {
      setInvalid(new Set([...invalid].filter((f) => !(f in patch))));
    }
  };
  const fieldProps = (field: DnField) => ({
    id: dnFieldId(field),
    invalid: invalid.has(field),
    errorId: DN_MESSAGE_ID,
  });
  const selectProps = (field: DnField) => ({
    id: dnFieldId(field),
    "aria-invalid": invalid.has(field) || undefined,
    "aria-describedby": invalid.has(field) ? DN_MESSAGE_ID : undefined,
  });
  const title = editing ? `Edit DN ${editing.number}` : "Add a DN";
  return (
    <form
      id="dn-form"
      onSubmit={onSubmit}
      onKeyDown={(event) => {
        if (event.key === "Escape" && editing) {
          event.preventDefault();
          cancel();
        }
      }}
      aria-label="Add or update a DN"
      className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4"
      noValidate
    >
      <h3 className="w-full text-sm font-semibold text-slate-700" data-testid="dn-form-title">
        {title}
        {editing && <span className="ml-2 font-normal text-slate-500">(Escape cancels)</span>}
      </h3>
      <Field
        label="Number"
        value={form.number}
        onChange={(number) => set({ number })}
        {...fieldProps("number")}
      />
      <label className="text-sm" htmlFor={dnFieldId("type")}>
        <span className="block font-medium text-slate-700">Type</span>
        <select
          value={form.type}
          onChange={(e) => set({ type: e.target.value as DnType })}
          {...selectProps("type")}
          className="mt-1 rounded-md border border-slate-300 px-2 py-1.5 aria-invalid:border-red-500"
        >
          <option value="extension">Extension</option>
          <option value="trunk">Trunk</option>
          <option value="routing_point">Routing point</option>
        </select>
      </label>
      <Field
        label="Display name"
        value={form.displayName}
        onChange={(displayName) => set({ displayName })}
        {...fieldProps("displayName")}
      />
      {form.type === "extension" && (
        <Field
          label={editing ? "SIP password (blank: unchanged)" : "SIP password"}
          type="password"
          value={form.password}
          onChange={(password) => set({ password })}
          {...fieldProps("password")}
        />
      )}
      {form.type === "trunk" && (
        <>
          <Field
            label="Peer host:port"
            value={form.peer}
            onChange={(peer) => set({ peer })}
            {...fieldProps("peer")}
          />
          <Field
            label="Inbound numbers"
            value={form.inbound}
            onChange={(inbound) => set({ inbound })}
            {...fieldProps("inbound")}
          />
          <Field
            label="Outbound prefix"
            value={form.outboundPrefix}
            onChange={(outboundPrefix) => set({ outboundPrefix })}
            {...fieldProps("outboundPrefix")}
          />
        </>
      )}
      {form.type === "routing_point" && (
        <>
          <Field
            label="Default target DN"
            value={form.routeTarget}
            onChange={(routeTarget) => set({ routeTarget })}
            {...fieldProps("routeTarget")}
          />
          <label className="text-sm" htmlFor={dnFieldId("routeRecord")}>
            <span className="block font-medium text-slate-700">Default record</span>
            <select
              value={form.routeRecord}
              onChange={(e) => set({ routeRecord: e.target.value as RouteRecord })}
              {...selectProps("routeRecord")}
              className="mt-1 rounded-md border border-slate-300 px-2 py-1.5 aria-invalid:border-red-500"
            >
              {ROUTE_RECORD_VALUES.map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </select>
          </label>
          <Field
            label="Params (k=v&k2=v2)"
            value={form.routeParams}
            onChange={(routeParams) => set({ routeParams })}
            {...fieldProps("routeParams")}
          />
        </>
      )}
      <SubmitButton pending={save.isPending} pendingText="Saving…">
        Save DN
      </SubmitButton>
      {editing && (
        <button
          type="button"
          onClick={cancel}
          className="rounded-md border border-slate-300 px-4 py-2 text-sm hover:bg-slate-50"
        >
          Cancel edit
        </button>
      )}
      <FormMessage id={DN_MESSAGE_ID} message={message} />
    </form>
  );
}
