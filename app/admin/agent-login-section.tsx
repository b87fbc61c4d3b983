"use client";

import { type FormEvent, useState } from "react";
import { MAX_LENGTH, zSetAgentLoginInput } from "../../common/schemas/config-schemas";
import { Field, FormMessage, type FormMessageValue, SubmitButton } from "../_components/form-controls";
import { RecordToggle } from "../_components/record-toggle";
import { RowDelete } from "../_components/row-delete";
import { TableNote } from "../_components/table-note";
import { errorMessage } from "../_lib/error-message";
import { byId, useFocusAfterRender } from "../_lib/focus";
import { type FieldMessages, type FormError, formError, withoutFields } from "../_lib/form-errors";
import { trpc } from "../_lib/trpc";
import { useIsAdmin } from "../_lib/use-is-admin";
import { ColumnHeads } from "../_components/column-heads";

type AgentField = "loginCode" | "name";
const AGENT_FIELDS: readonly AgentField[] = ["loginCode", "name"];
const agentFieldOf = (key: string) => AGENT_FIELDS.find((f) => f === key);
const agentFieldId = (field: AgentField) => `agent-field-${field}`;
const AGENT_MESSAGE_ID = "agent-form-message";
const editButtonId = (code: string) => `agent-edit-${code}`;
const EMPTY_FORM = { loginCode: "", name: "" };

export function AgentLoginSection() {
  const utils = trpc.useUtils();
  const isAdmin = useIsAdmin();
  const focusAfterRender = useFocusAfterRender();
  const agents = trpc.agentLogin.list.useQuery();
  const [toggleError, setToggleError] = useState<string | null>(null);
  const [form, setForm] = useState(EMPTY_FORM);
  const [editingCode, setEditingCode] = useState<string | null>(null);
  const [message, setMessage] = useState<FormMessageValue>(null);
  const [errors, setErrors] = useState<FieldMessages<AgentField>>({});

  const toggle = trpc.agentLogin.set.useMutation({
    // Optimistic like the DN switches: the switch moves at once and back if the server refuses.
    onMutate: async (input) => {
      setToggleError(null);
      await utils.agentLogin.list.cancel();
      const previous = utils.agentLogin.list.getData();
      utils.agentLogin.list.setData(undefined, (rows) =>
        rows?.map((r) => (r.loginCode === input.loginCode ? { ...r, record: input.record ?? r.record } : r)),
      );
      return { previous };
    },
    onError: (e, _v, context) => {
      utils.agentLogin.list.setData(undefined, context?.previous);
      setToggleError(errorMessage(e));
    },
    onSettled: () => void utils.agentLogin.list.invalidate(),
  });

  const save = trpc.agentLogin.set.useMutation({
    onSuccess: (a) => {
      setMessage({ kind: "ok", text: `Saved agent login ${a.loginCode}.` });
      setForm(EMPTY_FORM);
      setEditingCode(null);
      setErrors({});
      // The Save button was disabled while saving, which took focus from it: the outcome takes it.
      focusAfterRender(byId(AGENT_MESSAGE_ID));
    },
    onError: (e) => refuse(formError({ error: e }, AGENT_FIELDS, agentFieldOf)),
    onSettled: () => void utils.agentLogin.list.invalidate(),
  });

  // Deleting asks once more in the row: an agent login carries its full-time record setting.
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);
  const [rowError, setRowError] = useState<{ code: string; text: string } | null>(null);
  const deleteAgent = trpc.agentLogin.delete.useMutation({
    onMutate: () => setRowError(null),
    onSuccess: (_r, input) => {
      setConfirmDelete(null);
      if (editingCode === input.loginCode) {
        setEditingCode(null);
        setForm(EMPTY_FORM);
      }
      setMessage({ kind: "ok", text: `Deleted agent login ${input.loginCode}.` });
      // The row and its buttons are gone; the outcome takes focus rather than <body>.
      focusAfterRender(byId(AGENT_MESSAGE_ID));
    },
    onError: (e, input) => setRowError({ code: input.loginCode, text: errorMessage(e) }),
    onSettled: () => void utils.agentLogin.list.invalidate(),
  });

  function refuse(error: FormError<AgentField>) {
    setMessage({ kind: "error", text: error.text });
    setErrors(error.messages ?? Object.fromEntries(error.fields.map((f) => [f, error.text])));
    focusAfterRender(
      () =>
        error.fields.map((f) => document.getElementById(agentFieldId(f))).find((el) => el !== null) ??
        document.getElementById(AGENT_MESSAGE_ID),
    );
  }

  function startEdit(code: string, name: string) {
    setEditingCode(code);
    setForm({ loginCode: code, name });
    setMessage(null);
    setErrors({});
    focusAfterRender(byId(agentFieldId("name")), byId("agent-form"));
  }

  function cancelEdit() {
    const code = editingCode;
    setEditingCode(null);
    setForm(EMPTY_FORM);
    setMessage(null);
    setErrors({});
    focusAfterRender(
      () =>
        (code ? document.getElementById(editButtonId(code)) : null) ??
        document.getElementById(agentFieldId("loginCode")),
    );
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const parsed = zSetAgentLoginInput.safeParse({
      loginCode: form.loginCode,
      name: form.name || undefined,
      intent: editingCode ? "update" : "create",
    });
    if (!parsed.success) {
      refuse(formError({ issues: parsed.error.issues }, AGENT_FIELDS, agentFieldOf));
      return;
    }
    save.mutate(parsed.data);
  }

  const change = (field: AgentField, value: string) => {
    setForm({ ...form, [field]: value });
    setErrors(withoutFields(errors, [field]));
  };
  const columns = isAdmin ? 4 : 3;
  return (
    <section aria-labelledby="agents-title" className="space-y-3">
      <h2 id="agents-title" className="text-xl font-semibold">
        Agent logins
      </h2>
      {toggleError && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
          {toggleError}
        </p>
      )}
      <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="max-md:stacked-table w-full text-left text-sm" aria-label="Agent logins">
          <ColumnHeads
            columns={["Login code", "Name", "record", ...(isAdmin ? [{ hidden: "Actions" }] : [])]}
          />
          <tbody className="divide-y divide-slate-100">
            {agents.isLoading && <TableNote columns={columns}>Loading…</TableNote>}
            {agents.error && (
              <TableNote columns={columns} alert>
                {errorMessage(agents.error)}
              </TableNote>
            )}
            {agents.data?.length === 0 && (
              <TableNote columns={columns}>
                No agent logins yet: agents cannot log in to a softphone.
              </TableNote>
            )}
            {agents.data?.map((a) => (
              <tr key={a.id} data-testid={`agent-row-${a.loginCode}`}>
                <th
                  scope="row"
                  className="px-4 py-2 font-mono font-normal max-md:text-base max-md:font-semibold"
                >
                  {a.loginCode}
                </th>
                <td className="px-4 py-2" data-label="Name">
                  {a.name}
                </td>
                <td className="px-4 py-2 max-md:flex! max-md:items-center" data-label="record">
                  <RecordToggle
                    checked={a.record}
                    disabled={!isAdmin}
                    label={`record agent ${a.loginCode}`}
                    onChange={(record) => toggle.mutate({ loginCode: a.loginCode, record })}
                  />
                </td>
                {isAdmin && (
                  <td className="px-4 py-2 text-right">
                    <span className="inline-flex flex-wrap items-center justify-end gap-2 max-md:justify-start">
                      {confirmDelete !== a.loginCode && (
                        <button
                          id={editButtonId(a.loginCode)}
                          type="button"
                          onClick={() => startEdit(a.loginCode, a.name)}
                          className="rounded-md border border-slate-300 px-2 py-1 text-xs hover:bg-slate-50 max-md:min-h-10 max-md:px-3 max-md:text-sm"
                        >
                          Edit {a.loginCode}
                        </button>
                      )}
                      <RowDelete
                        subject={a.loginCode}
                        idBase={`agent-${a.loginCode}`}
                        confirming={confirmDelete === a.loginCode}
                        pending={deleteAgent.isPending}
                        onAsk={() => {
                          setConfirmDelete(a.loginCode);
                          setRowError(null);
                        }}
                        onCancel={() => setConfirmDelete(null)}
                        onConfirm={() => deleteAgent.mutate({ loginCode: a.loginCode })}
                      />
                      {rowError?.code === a.loginCode && (
                        <span role="alert" className="w-full text-xs text-red-700">
                          {rowError.text}
                        </span>
                      )}
                    </span>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {isAdmin && (
        <form
          id="agent-form"
          onSubmit={onSubmit}
          onKeyDown={(event) => {
            if (event.key === "Escape" && editingCode) {
              event.preventDefault();
              cancelEdit();
            }
          }}
          aria-label="Add an agent login"
          className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4"
          noValidate
        >
          <h3 className="w-full text-sm font-semibold text-slate-700">
            {editingCode ? `Edit agent login ${editingCode}` : "Add an agent login"}
            {editingCode && <span className="ml-2 font-normal text-slate-500">(Escape cancels)</span>}
          </h3>
          {/* The code names the row being edited: changing it would add another login instead. */}
          <Field
            id={agentFieldId("loginCode")}
            label="Login code"
            value={form.loginCode}
            readOnly={editingCode !== null}
            error={errors.loginCode ?? null}
            maxLength={MAX_LENGTH.agentLoginCode}
            onChange={(loginCode) => change("loginCode", loginCode)}
          />
          <Field
            id={agentFieldId("name")}
            label="Agent name"
            value={form.name}
            error={errors.name ?? null}
            maxLength={MAX_LENGTH.agentLoginName}
            onChange={(name) => change("name", name)}
          />
          <SubmitButton pending={save.isPending} pendingText="Saving…">
            Save agent login
          </SubmitButton>
          {editingCode && (
            <button
              type="button"
              onClick={cancelEdit}
              className="rounded-md border border-slate-300 px-4 py-2 text-sm hover:bg-slate-50"
            >
              Cancel edit
            </button>
          )}
          <FormMessage id={AGENT_MESSAGE_ID} message={message} />
        </form>
      )}
    </section>
  );
}
