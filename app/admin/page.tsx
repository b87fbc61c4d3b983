"use client";

import { type FormEvent, useState } from "react";
import {
  type DnType,
  ROUTE_RECORD_VALUES,
  type RouteRecord,
  type SetDnInput,
  zSetAgentLoginInput,
  zSetDnInput,
  zSetRecorderInput,
} from "../../common/schemas/config-schemas";
import { parseParamsString } from "../../common/schemas/recording-schemas";
import { AppShell } from "../_components/app-shell";
import { Field, FormMessage, type FormMessageValue, SubmitButton } from "../_components/form-controls";
import { RecordToggle } from "../_components/record-toggle";
import { errorMessage } from "../_lib/error-message";
import { type RouterOutputs, trpc } from "../_lib/trpc";

type DnView = RouterOutputs["dn"]["list"][number];

const TYPE_LABEL: Record<DnType, string> = {
  extension: "Extension",
  trunk: "Trunk",
  routing_point: "Routing point",
};

export default function AdminPage() {
  return (
    <AppShell requiredRole="supervisor">
      <div className="space-y-10">
        <p className="rounded-md bg-brand-50 px-4 py-2 text-sm text-brand-700">
          Changes to <code>record</code> apply to calls that start after the change.
        </p>
        <DnSection />
        <AgentLoginSection />
        <RecorderSection />
      </div>
    </AppShell>
  );
}

function useIsAdmin() {
  const me = trpc.auth.me.useQuery();
  return me.data?.role === "admin";
}

function DnSection() {
  const utils = trpc.useUtils();
  const isAdmin = useIsAdmin();
  const [type, setType] = useState<DnType | "">("");
  const [search, setSearch] = useState("");
  const [recordFilter, setRecordFilter] = useState<"" | "on" | "off">("");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [editing, setEditing] = useState<DnView | null>(null);
  const [toggleError, setToggleError] = useState<string | null>(null);
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
      await utils.dn.list.cancel(filter);
      const previous = utils.dn.list.getData(filter);
      utils.dn.list.setData(filter, (rows) =>
        rows?.map((r) => (numbers.includes(r.number) ? { ...r, record } : r)),
      );
      return { previous };
    },
    onSuccess: () => setSelected(new Set()),
    onError: (error, _vars, context) => {
      utils.dn.list.setData(filter, context?.previous);
      setToggleError(errorMessage(error));
    },
    onSettled: () => void utils.dn.list.invalidate(),
  });

  return (
    <section aria-labelledby="dns-title" className="space-y-3">
      <div className="flex flex-wrap items-end gap-3">
        <h2 id="dns-title" className="mr-auto text-xl font-semibold">
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
          <button
            type="button"
            onClick={() => setRecord.mutate({ numbers: [...selected], record: true })}
            className="rounded-md border border-slate-300 bg-white px-2 py-1 hover:bg-slate-50"
          >
            Turn record on
          </button>
          <button
            type="button"
            onClick={() => setRecord.mutate({ numbers: [...selected], record: false })}
            className="rounded-md border border-slate-300 bg-white px-2 py-1 hover:bg-slate-50"
          >
            Turn record off
          </button>
          <button
            type="button"
            onClick={() => setSelected(new Set())}
            className="ml-auto text-slate-600 underline"
          >
            Clear selection
          </button>
        </div>
      )}
      {toggleError && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
          {toggleError}
        </p>
      )}
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="w-full text-left text-sm" aria-label="DNs">
          <thead className="bg-slate-50 text-slate-500">
            <tr>
              {isAdmin && (
                <th className="w-8 px-4 py-2">
                  <span className="sr-only">Select</span>
                </th>
              )}
              <th className="px-4 py-2 font-medium">Number</th>
              <th className="px-4 py-2 font-medium">Type</th>
              <th className="px-4 py-2 font-medium">Name</th>
              <th className="px-4 py-2 font-medium">Details</th>
              <th className="px-4 py-2 font-medium">record</th>
              {isAdmin && (
                <th className="px-4 py-2">
                  <span className="sr-only">Edit</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {dns.isLoading && (
              <tr>
                <td colSpan={isAdmin ? 7 : 5} className="px-4 py-4 text-slate-500">
                  Loading…
                </td>
              </tr>
            )}
            {dns.error && (
              <tr>
                <td colSpan={isAdmin ? 7 : 5} role="alert" className="px-4 py-4 text-red-700">
                  {errorMessage(dns.error)}
                </td>
              </tr>
            )}
            {dns.data?.length === 0 && (
              <tr>
                <td colSpan={isAdmin ? 7 : 5} className="px-4 py-4 text-slate-500">
                  No DNs match.
                </td>
              </tr>
            )}
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
                        }}
                      />
                    )}
                  </td>
                )}
                <td className="px-4 py-2 font-mono">{dn.number}</td>
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
                      type="button"
                      onClick={() => setEditing(dn)}
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
      {isAdmin && <DnForm key={editing?.id ?? "new"} editing={editing} />}
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

function DnForm({ editing }: { editing: DnView | null }) {
  const utils = trpc.useUtils();
  const [form, setForm] = useState<DnFormState>(editing ? formFromDn(editing) : EMPTY_DN_FORM);
  const [message, setMessage] = useState<FormMessageValue>(null);
  const save = trpc.dn.set.useMutation({
    onSuccess: async (dn) => {
      setMessage({ kind: "ok", text: `Saved DN ${dn.number}.` });
      setForm({ ...EMPTY_DN_FORM, type: form.type });
      await utils.dn.list.invalidate();
    },
    onError: (error) => setMessage({ kind: "error", text: errorMessage(error) }),
  });

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    let input: SetDnInput;
    try {
      input = dnInputFrom(form);
    } catch (error) {
      setMessage({ kind: "error", text: errorMessage(error) });
      return;
    }
    const parsed = zSetDnInput.safeParse(input);
    if (!parsed.success) {
      setMessage({ kind: "error", text: parsed.error.issues.map((i) => i.message).join("; ") });
      return;
    }
    save.mutate(input);
  }

  const set = (patch: Partial<DnFormState>) => setForm({ ...form, ...patch });
  return (
    <form
      onSubmit={onSubmit}
      aria-label="Add or update a DN"
      className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4"
      noValidate
    >
      <Field label="Number" value={form.number} onChange={(number) => set({ number })} />
      <label className="text-sm">
        <span className="block font-medium text-slate-700">Type</span>
        <select
          value={form.type}
          onChange={(e) => set({ type: e.target.value as DnType })}
          className="mt-1 rounded-md border border-slate-300 px-2 py-1.5"
        >
          <option value="extension">Extension</option>
          <option value="trunk">Trunk</option>
          <option value="routing_point">Routing point</option>
        </select>
      </label>
      <Field label="Display name" value={form.displayName} onChange={(displayName) => set({ displayName })} />
      {form.type === "extension" && (
        <Field
          label={editing ? "SIP password (blank: unchanged)" : "SIP password"}
          type="password"
          value={form.password}
          onChange={(password) => set({ password })}
        />
      )}
      {form.type === "trunk" && (
        <>
          <Field label="Peer host:port" value={form.peer} onChange={(peer) => set({ peer })} />
          <Field label="Inbound numbers" value={form.inbound} onChange={(inbound) => set({ inbound })} />
          <Field
            label="Outbound prefix"
            value={form.outboundPrefix}
            onChange={(outboundPrefix) => set({ outboundPrefix })}
          />
        </>
      )}
      {form.type === "routing_point" && (
        <>
          <Field
            label="Default target DN"
            value={form.routeTarget}
            onChange={(routeTarget) => set({ routeTarget })}
          />
          <label className="text-sm">
            <span className="block font-medium text-slate-700">Default record</span>
            <select
              value={form.routeRecord}
              onChange={(e) => set({ routeRecord: e.target.value as RouteRecord })}
              className="mt-1 rounded-md border border-slate-300 px-2 py-1.5"
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
          />
        </>
      )}
      <SubmitButton pending={save.isPending}>Save DN</SubmitButton>
      <FormMessage message={message} />
    </form>
  );
}

function AgentLoginSection() {
  const utils = trpc.useUtils();
  const isAdmin = useIsAdmin();
  const agents = trpc.agentLogin.list.useQuery();
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState({ loginCode: "", name: "" });
  const [message, setMessage] = useState<FormMessageValue>(null);
  const setAgent = trpc.agentLogin.set.useMutation({
    onMutate: async (input) => {
      setError(null);
      await utils.agentLogin.list.cancel();
      const previous = utils.agentLogin.list.getData();
      if (input.record !== undefined) {
        utils.agentLogin.list.setData(undefined, (rows) =>
          rows?.map((r) =>
            r.loginCode === input.loginCode ? { ...r, record: input.record ?? r.record } : r,
          ),
        );
      }
      return { previous };
    },
    onError: (e, _v, context) => {
      utils.agentLogin.list.setData(undefined, context?.previous);
      setError(errorMessage(e));
    },
    onSettled: () => void utils.agentLogin.list.invalidate(),
  });
  // Deleting asks once more in the row: an agent login carries its full-time record setting.
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);
  const deleteAgent = trpc.agentLogin.delete.useMutation({
    onSuccess: (_r, input) => {
      setConfirmDelete(null);
      setMessage({ kind: "ok", text: `Deleted agent login ${input.loginCode}.` });
    },
    onError: (e) => setError(errorMessage(e)),
    onSettled: () => void utils.agentLogin.list.invalidate(),
  });

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const parsed = zSetAgentLoginInput.safeParse({ loginCode: form.loginCode, name: form.name || undefined });
    if (!parsed.success) {
      setMessage({ kind: "error", text: parsed.error.issues.map((i) => i.message).join("; ") });
      return;
    }
    setAgent.mutate(parsed.data, {
      onSuccess: (a) => {
        setMessage({ kind: "ok", text: `Saved agent login ${a.loginCode}.` });
        setForm({ loginCode: "", name: "" });
      },
      onError: (e) => setMessage({ kind: "error", text: errorMessage(e) }),
    });
  }

  return (
    <section aria-labelledby="agents-title" className="space-y-3">
      <h2 id="agents-title" className="text-xl font-semibold">
        Agent logins
      </h2>
      {error && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
          {error}
        </p>
      )}
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="w-full text-left text-sm" aria-label="Agent logins">
          <thead className="bg-slate-50 text-slate-500">
            <tr>
              <th className="px-4 py-2 font-medium">Login code</th>
              <th className="px-4 py-2 font-medium">Name</th>
              <th className="px-4 py-2 font-medium">record</th>
              {isAdmin && (
                <th className="px-4 py-2 font-medium">
                  <span className="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {agents.isLoading && (
              <tr>
                <td colSpan={4} className="px-4 py-4 text-slate-500">
                  Loading…
                </td>
              </tr>
            )}
            {agents.data?.map((a) => (
              <tr key={a.id} data-testid={`agent-row-${a.loginCode}`}>
                <td className="px-4 py-2 font-mono">{a.loginCode}</td>
                <td className="px-4 py-2">{a.name}</td>
                <td className="px-4 py-2">
                  <RecordToggle
                    checked={a.record}
                    disabled={!isAdmin}
                    label={`record agent ${a.loginCode}`}
                    onChange={(record) => setAgent.mutate({ loginCode: a.loginCode, record })}
                  />
                </td>
                {isAdmin && (
                  <td className="px-4 py-2 text-right">
                    {confirmDelete === a.loginCode ? (
                      <span className="inline-flex gap-2">
                        <button
                          type="button"
                          disabled={deleteAgent.isPending}
                          onClick={() => deleteAgent.mutate({ loginCode: a.loginCode })}
                          className="rounded-md bg-red-600 px-2 py-1 text-xs font-medium text-white hover:bg-red-700 disabled:opacity-60"
                        >
                          Confirm delete {a.loginCode}
                        </button>
                        <button
                          type="button"
                          onClick={() => setConfirmDelete(null)}
                          className="rounded-md border border-slate-300 px-2 py-1 text-xs hover:bg-slate-50"
                        >
                          Cancel
                        </button>
                      </span>
                    ) : (
                      <span className="inline-flex gap-2">
                        <button
                          type="button"
                          onClick={() => {
                            setForm({ loginCode: a.loginCode, name: a.name });
                            setMessage(null);
                          }}
                          className="rounded-md border border-slate-300 px-2 py-1 text-xs hover:bg-slate-50"
                        >
                          Edit {a.loginCode}
                        </button>
                        <button
                          type="button"
                          onClick={() => setConfirmDelete(a.loginCode)}
                          className="rounded-md border border-slate-300 px-2 py-1 text-xs text-red-700 hover:bg-red-50"
                        >
                          Delete {a.loginCode}
                        </button>
                      </span>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {isAdmin && (
        <form
          onSubmit={onSubmit}
          aria-label="Add an agent login"
          className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4"
          noValidate
        >
          <Field
            label="Login code"
            value={form.loginCode}
            onChange={(loginCode) => setForm({ ...form, loginCode })}
          />
          <Field label="Agent name" value={form.name} onChange={(name) => setForm({ ...form, name })} />
          <SubmitButton pending={setAgent.isPending}>Save agent login</SubmitButton>
          <FormMessage message={message} />
        </form>
      )}
    </section>
  );
}

function RecorderSection() {
  const utils = trpc.useUtils();
  const isAdmin = useIsAdmin();
  const recorders = trpc.recorder.list.useQuery();
  const [form, setForm] = useState({ name: "", uri: "" });
  const [message, setMessage] = useState<FormMessageValue>(null);
  const save = trpc.recorder.set.useMutation({
    onSuccess: async (r) => {
      setMessage({ kind: "ok", text: `Saved recorder ${r.name}.` });
      setForm({ name: "", uri: "" });
      await utils.recorder.list.invalidate();
    },
    onError: (e) => setMessage({ kind: "error", text: errorMessage(e) }),
  });

  const [rowError, setRowError] = useState<string | null>(null);
  const update = trpc.recorder.set.useMutation({
    onMutate: () => setRowError(null),
    onSuccess: () => utils.recorder.list.invalidate(),
    onError: (e) => setRowError(errorMessage(e)),
  });
  const remove = trpc.recorder.delete.useMutation({
    onMutate: () => setRowError(null),
    onSuccess: () => utils.recorder.list.invalidate(),
    onError: (e) => setRowError(errorMessage(e)),
  });

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const parsed = zSetRecorderInput.safeParse({ name: form.name, uri: form.uri });
    if (!parsed.success) {
      setMessage({ kind: "error", text: parsed.error.issues.map((i) => i.message).join("; ") });
      return;
    }
    save.mutate(parsed.data);
  }

  return (
    <section aria-labelledby="recorders-title" className="space-y-3">
      <h2 id="recorders-title" className="text-xl font-semibold">
        Recorders <span className="text-sm font-normal text-slate-500">(tried in this order)</span>
      </h2>
      {rowError && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
          {rowError}
        </p>
      )}
      <ol
        className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm"
        aria-label="Recorders"
      >
        {recorders.data?.map((r) => (
          <li key={r.id} className="flex items-center gap-4 px-4 py-2">
            <span className="w-6 text-slate-400">{r.position}.</span>
            <span className="font-medium">{r.name}</span>
            <code className="text-slate-600">{r.uri}</code>
            <span className={`ml-auto text-xs ${r.enabled ? "text-green-700" : "text-slate-400"}`}>
              {r.enabled ? "enabled" : "disabled"}
            </span>
            <RecorderTest name={r.name} />
            {isAdmin && (
              <span className="flex gap-1">
                <RecorderButton
                  label={`Move ${r.name} up`}
                  disabled={r.position === 1}
                  onClick={() => update.mutate({ name: r.name, position: r.position - 1 })}
                >
                  ↑
                </RecorderButton>
                <RecorderButton
                  label={`Move ${r.name} down`}
                  disabled={r.position === (recorders.data?.length ?? 0)}
                  onClick={() => update.mutate({ name: r.name, position: r.position + 1 })}
                >
                  ↓
                </RecorderButton>
                <RecorderButton
                  label={`${r.enabled ? "Disable" : "Enable"} ${r.name}`}
                  onClick={() => update.mutate({ name: r.name, enabled: !r.enabled })}
                >
                  {r.enabled ? "Disable" : "Enable"}
                </RecorderButton>
                <RecorderButton
                  label={`Delete ${r.name}`}
                  onClick={() => {
                    if (window.confirm(`Delete recorder ${r.name}?`)) remove.mutate({ name: r.name });
                  }}
                >
                  Delete
                </RecorderButton>
              </span>
            )}
          </li>
        ))}
      </ol>
      {isAdmin && (
        <form
          onSubmit={onSubmit}
          aria-label="Add a recorder"
          className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4"
          noValidate
        >
          <Field label="Recorder name" value={form.name} onChange={(name) => setForm({ ...form, name })} />
          <Field label="SIP URI" value={form.uri} onChange={(uri) => setForm({ ...form, uri })} />
          <SubmitButton pending={save.isPending}>Save recorder</SubmitButton>
          <FormMessage message={message} />
        </form>
      )}
    </section>
  );
}

/** OPTIONS to the recorder through the SIP Server: is it there, and how fast does it answer? */
function RecorderTest({ name }: { name: string }) {
  const probe = trpc.recorder.test.useMutation();
  const result = probe.data;
  return (
    <span className="flex items-center gap-2">
      <button
        type="button"
        aria-label={`Test ${name}`}
        disabled={probe.isPending}
        onClick={() => probe.mutate({ name })}
        className="rounded border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-50 disabled:opacity-40"
      >
        {probe.isPending ? "Testing…" : "Test"}
      </button>
      <span
        data-testid={`recorder-test-${name}`}
        role="status"
        className={`text-xs ${result?.ok ? "text-green-700" : "text-red-700"}`}
      >
        {probe.error
          ? errorMessage(probe.error)
          : result
            ? `${result.status} ${result.reason} (${result.ms} ms)`
            : ""}
      </span>
    </span>
  );
}

function RecorderButton(props: { label: string; disabled?: boolean; onClick: () => void; children: string }) {
  return (
    <button
      type="button"
      aria-label={props.label}
      title={props.label}
      disabled={props.disabled}
      onClick={props.onClick}
      className="rounded-md border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-50 disabled:opacity-40"
    >
      {props.children}
    </button>
  );
}
