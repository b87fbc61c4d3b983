"use client";

import { type FormEvent, useState } from "react";
import { ROLES, type Role } from "../../../common/roles";
import { zCreateUserInput } from "../../../common/schemas/config-schemas";
import { AppShell } from "../../_components/app-shell";
import { Field, FormMessage, type FormMessageValue, SubmitButton } from "../../_components/form-controls";
import { RowDelete } from "../../_components/row-delete";
import { errorMessage } from "../../_lib/error-message";
import { byId, useFocusAfterRender } from "../../_lib/focus";
import { trpc } from "../../_lib/trpc";
import { ColumnHeads } from "../../_components/column-heads";
import { PasswordReset } from "./password-reset";

export default function UsersPage() {
  return (
    <AppShell requiredRole="admin">
      <div className="space-y-10">
        <UsersSection />
        <TokensSection />
      </div>
    </AppShell>
  );
}

type UserForm = { username: string; password: string; role: Role; extension: string; agentLoginCode: string };
const EMPTY_USER: UserForm = { username: "", password: "", role: "agent", extension: "", agentLoginCode: "" };

function UsersSection() {
  const utils = trpc.useUtils();
  const me = trpc.auth.me.useQuery();
  const users = trpc.user.list.useQuery();
  const extensions = trpc.dn.list.useQuery({ type: "extension" });
  const agentLogins = trpc.agentLogin.list.useQuery();
  const [form, setForm] = useState<UserForm>(EMPTY_USER);
  const [message, setMessage] = useState<FormMessageValue>(null);
  const [rowError, setRowError] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);
  const focusAfterRender = useFocusAfterRender();
  const create = trpc.user.create.useMutation({
    onSuccess: async (u) => {
      setMessage({ kind: "ok", text: `Created user ${u.username} (${u.role}).` });
      setForm(EMPTY_USER);
      await utils.user.list.invalidate();
    },
    onError: (e) => setMessage({ kind: "error", text: errorMessage(e) }),
  });
  const update = trpc.user.update.useMutation({
    onMutate: () => setRowError(null),
    onSuccess: () => utils.user.list.invalidate(),
    onError: (e) => setRowError(errorMessage(e)),
  });
  const access = trpc.user.update.useMutation({
    onMutate: () => setRowError(null),
    onSuccess: (u) => {
      setMessage({
        kind: "ok",
        text: u.disabled
          ? `Disabled ${u.username}: signed out everywhere; their API tokens and softphone stop working until enabled.`
          : `Enabled ${u.username}.`,
      });
      focusAfterRender(byId("users-status"));
    },
    onError: (e) => setRowError(errorMessage(e)),
    onSettled: () => void utils.user.list.invalidate(),
  });
  const remove = trpc.user.delete.useMutation({
    onMutate: () => setRowError(null),
    onSuccess: (_r, input) => {
      setConfirmDelete(null);
      setMessage({ kind: "ok", text: `Deleted user ${input.username}.` });
      // The row is gone: the form's status line says what happened and takes the focus.
      focusAfterRender(byId("users-status"));
    },
    onError: (e) => setRowError(errorMessage(e)),
    onSettled: () => void utils.user.list.invalidate(),
  });

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const parsed = zCreateUserInput.safeParse({
      ...form,
      extension: form.extension || null,
      agentLoginCode: form.agentLoginCode || null,
    });
    if (!parsed.success) {
      setMessage({ kind: "error", text: parsed.error.issues.map((i) => i.message).join("; ") });
      return;
    }
    create.mutate(parsed.data);
  }

  const extensionOptions = (extensions.data ?? []).map((d) => ({
    value: d.number,
    label: d.displayName ? `${d.number} (${d.displayName})` : d.number,
  }));
  const agentOptions = (agentLogins.data ?? []).map((a) => ({
    value: a.loginCode,
    label: a.name ? `${a.loginCode} (${a.name})` : a.loginCode,
  }));
  const listError = users.error ?? extensions.error ?? agentLogins.error;

  return (
    <section aria-labelledby="users-title" className="space-y-3">
      <h1 id="users-title" className="text-xl font-semibold">
        Users
      </h1>
      <p className="text-sm text-slate-600">
        An agent registers only the extension assigned here and logs in only as the agent login assigned here.
        Supervisors and admins may use any extension.
      </p>
      {rowError && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
          {rowError}
        </p>
      )}
      <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="w-full text-left text-sm max-lg:stacked-table">
          <caption className="sr-only">Users</caption>
          <ColumnHeads
            columns={["Username", "Role", "Extension", "Agent login", "Created", { hidden: "Actions" }]}
          />
          <tbody className="divide-y divide-slate-100">
            {users.isLoading && (
              <tr>
                <td colSpan={6} className="px-4 py-4 text-slate-500">
                  Loading…
                </td>
              </tr>
            )}
            {listError && (
              <tr>
                <td colSpan={6} role="alert" className="px-4 py-4 text-red-700">
                  {errorMessage(listError)}
                </td>
              </tr>
            )}
            {users.data?.map((u) => (
              <tr key={u.id} data-testid={`user-row-${u.username}`}>
                <td className="px-4 py-2 font-medium max-md:text-base">
                  {u.username}
                  {u.disabled && (
                    <span className="ml-2 rounded bg-slate-200 px-1.5 py-0.5 text-xs font-normal text-slate-700">
                      disabled
                    </span>
                  )}
                </td>
                <td className="px-4 py-2" data-label="Role">
                  <label>
                    <span className="sr-only">Role of {u.username}</span>
                    <select
                      value={u.role}
                      onChange={(e) => update.mutate({ username: u.username, role: e.target.value as Role })}
                      className="rounded-md border border-slate-300 px-2 py-1"
                    >
                      <RoleOptions />
                    </select>
                  </label>
                </td>
                <td className="px-4 py-2" data-label="Extension">
                  <BindingSelect
                    label={`Extension of ${u.username}`}
                    value={u.extension ?? ""}
                    options={extensionOptions}
                    onChange={(extension) =>
                      update.mutate({ username: u.username, extension: extension || null })
                    }
                  />
                </td>
                <td className="px-4 py-2" data-label="Agent login">
                  <BindingSelect
                    label={`Agent login of ${u.username}`}
                    value={u.agentLoginCode ?? ""}
                    options={agentOptions}
                    onChange={(code) => update.mutate({ username: u.username, agentLoginCode: code || null })}
                  />
                </td>
                <td className="px-4 py-2 text-slate-500" data-label="Created">
                  {u.createdAt.toLocaleString()}
                </td>
                <td className="space-y-2 px-4 py-2 text-right max-lg:flex! max-lg:flex-wrap max-lg:items-center max-lg:gap-2 max-lg:space-y-0">
                  <PasswordReset
                    username={u.username}
                    onDone={(text) => {
                      setMessage({ kind: "ok", text });
                      focusAfterRender(byId("users-status"));
                    }}
                  />
                  {u.username !== me.data?.username && (
                    <button
                      type="button"
                      // aria-disabled while saving: a disabled button would drop keyboard focus to <body>.
                      aria-disabled={access.isPending}
                      onClick={() => {
                        if (!access.isPending) access.mutate({ username: u.username, disabled: !u.disabled });
                      }}
                      className="ml-2 rounded-md border border-slate-300 px-2 py-1 text-xs hover:bg-slate-50 aria-disabled:opacity-40 max-md:ml-0 max-md:min-h-10 max-md:px-3 max-md:text-sm"
                    >
                      {u.disabled ? `Enable ${u.username}` : `Disable ${u.username}`}
                    </button>
                  )}
                  {u.username !== me.data?.username && (
                    <RowDelete
                      subject={u.username}
                      idBase={`user-${u.id}`}
                      confirming={confirmDelete === u.username}
                      pending={remove.isPending}
                      onAsk={() => setConfirmDelete(u.username)}
                      onCancel={() => setConfirmDelete(null)}
                      onConfirm={() => remove.mutate({ username: u.username })}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form
        onSubmit={onSubmit}
        aria-label="Add a user"
        className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4"
        noValidate
      >
        <Field
          label="Username"
          value={form.username}
          onChange={(username) => setForm({ ...form, username })}
        />
        <Field
          label="Password"
          type="password"
          value={form.password}
          onChange={(password) => setForm({ ...form, password })}
        />
        <label className="text-sm">
          <span className="block font-medium text-slate-700">Role</span>
          <select
            value={form.role}
            onChange={(e) => setForm({ ...form, role: e.target.value as Role })}
            className="mt-1 rounded-md border border-slate-300 px-2 py-1.5"
          >
            <RoleOptions />
          </select>
        </label>
        <label className="text-sm">
          <span className="block font-medium text-slate-700">Extension</span>
          <BindingOptions
            value={form.extension}
            options={extensionOptions}
            onChange={(extension) => setForm({ ...form, extension })}
            className="mt-1 py-1.5"
          />
        </label>
        <label className="text-sm">
          <span className="block font-medium text-slate-700">Agent login</span>
          <BindingOptions
            value={form.agentLoginCode}
            options={agentOptions}
            onChange={(agentLoginCode) => setForm({ ...form, agentLoginCode })}
            className="mt-1 py-1.5"
          />
        </label>
        <SubmitButton pending={create.isPending} pendingText="Adding…">
          Add user
        </SubmitButton>
        <FormMessage message={message} id="users-status" />
      </form>
    </section>
  );
}

type Option = { value: string; label: string };

/** A per-row binding, saved as soon as it changes. */
function BindingSelect(props: {
  label: string;
  value: string;
  options: Option[];
  onChange: (value: string) => void;
}) {
  return (
    <label>
      <span className="sr-only">{props.label}</span>
      <BindingOptions {...props} className="py-1" />
    </label>
  );
}

function BindingOptions(props: {
  value: string;
  options: Option[];
  className: string;
  onChange: (value: string) => void;
}) {
  return (
    <select
      value={props.value}
      onChange={(e) => props.onChange(e.target.value)}
      className={`rounded-md border border-slate-300 px-2 ${props.className}`}
    >
      <option value="">none</option>
      {props.options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  );
}

function TokensSection() {
  const utils = trpc.useUtils();
  const tokens = trpc.apiToken.list.useQuery();
  const [name, setName] = useState("");
  const [created, setCreated] = useState<string | null>(null);
  const [message, setMessage] = useState<FormMessageValue>(null);
  const create = trpc.apiToken.create.useMutation({
    onSuccess: async ({ token }) => {
      setCreated(token);
      setMessage(null);
      setName("");
      await utils.apiToken.list.invalidate();
    },
    onError: (e) => setMessage({ kind: "error", text: errorMessage(e) }),
  });
  const revoke = trpc.apiToken.revoke.useMutation({
    onSuccess: () => utils.apiToken.list.invalidate(),
    onError: (e) => setMessage({ kind: "error", text: errorMessage(e) }),
  });

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (!name.trim()) {
      setMessage({ kind: "error", text: "give the token a name" });
      return;
    }
    create.mutate({ name });
  }

  return (
    <section aria-labelledby="tokens-title" className="space-y-3">
      <h2 id="tokens-title" className="text-xl font-semibold">
        API tokens <span className="text-sm font-normal text-slate-500">(for the CLI and scripts)</span>
      </h2>
      {created && (
        <div
          role="status"
          className="rounded-md border border-green-200 bg-green-50 p-3 text-sm text-green-900"
        >
          New token, shown only this once: <code className="break-all select-all">{created}</code>
          <div className="mt-1 text-green-800">
            Use it as <code>FORKLINE_API_TOKEN</code> with <code>npx forkline</code>.
          </div>
        </div>
      )}
      <ul
        className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm"
        aria-label="API tokens"
      >
        {tokens.isLoading && <li className="px-4 py-2 text-slate-500">Loading…</li>}
        {tokens.error && (
          <li role="alert" className="px-4 py-2 text-red-700">
            {errorMessage(tokens.error)}
          </li>
        )}
        {tokens.data?.length === 0 && <li className="px-4 py-2 text-slate-500">No tokens.</li>}
        {tokens.data?.map((t) => (
          <li key={t.id} className="flex flex-wrap items-center gap-x-4 gap-y-1 px-4 py-2">
            <span className="font-medium">{t.name}</span>
            <span className="text-slate-500">
              {t.username} ({t.role})
            </span>
            <span className="text-slate-400">
              last used {t.lastUsedAt ? t.lastUsedAt.toLocaleString() : "never"}
            </span>
            <button
              type="button"
              onClick={() => revoke.mutate({ id: t.id })}
              className="ml-auto rounded-md border border-slate-300 px-2 py-1 text-red-700 hover:bg-red-50 max-md:min-h-10"
            >
              Revoke {t.name}
            </button>
          </li>
        ))}
      </ul>
      <form
        onSubmit={onSubmit}
        aria-label="Create an API token"
        className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4"
        noValidate
      >
        <Field label="Token name" value={name} onChange={setName} />
        <SubmitButton pending={create.isPending}>Create token</SubmitButton>
        <FormMessage message={message} />
      </form>
    </section>
  );
}

function RoleOptions() {
  return ROLES.map((r) => (
    <option key={r} value={r}>
      {r}
    </option>
  ));
}
