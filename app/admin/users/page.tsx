"use client";

import { type FormEvent, useState } from "react";
import { ROLES, type Role } from "../../../common/roles";
import { MAX_LENGTH, zCreateUserInput } from "../../../common/schemas/config-schemas";
import { AppShell } from "../../_components/app-shell";
import { Field, FormMessage, type FormMessageValue, SubmitButton } from "../../_components/form-controls";
import { RowDelete } from "../../_components/row-delete";
import { errorMessage } from "../../_lib/error-message";
import { byId, useFocusAfterRender } from "../../_lib/focus";
import { type FieldMessages, formError } from "../../_lib/form-errors";
import { trpc } from "../../_lib/trpc";
import { ColumnHeads } from "../../_components/column-heads";
import { PasswordReset } from "./password-reset";
import { TokensSection } from "./tokens-section";
import { type RowChange, describeRowChange, useRowChange } from "./row-change";

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
type UserField = keyof UserForm;
const EMPTY_USER: UserForm = { username: "", password: "", role: "agent", extension: "", agentLoginCode: "" };
const USER_FIELDS: readonly UserField[] = ["username", "password", "role", "extension", "agentLoginCode"];
const userFieldOf = (key: string) => USER_FIELDS.find((f) => f === key);
const userFieldId = (field: UserField) => `user-field-${field}`;

function UsersSection() {
  const utils = trpc.useUtils();
  const me = trpc.auth.me.useQuery();
  const users = trpc.user.list.useQuery();
  const extensions = trpc.dn.list.useQuery({ type: "extension" });
  const agentLogins = trpc.agentLogin.list.useQuery();
  const [form, setForm] = useState<UserForm>(EMPTY_USER);
  const [message, setMessage] = useState<FormMessageValue>(null);
  const [errors, setErrors] = useState<FieldMessages<UserField>>({});
  const [rowError, setRowError] = useState<string | null>(null);
  const [rowSaved, setRowSaved] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);
  const focusAfterRender = useFocusAfterRender();
  const create = trpc.user.create.useMutation({
    onSuccess: async (u) => {
      setMessage({ kind: "ok", text: `Created user ${u.username} (${u.role}).` });
      setForm(EMPTY_USER);
      setErrors({});
      await utils.user.list.invalidate();
    },
    onError: (e) => refuse(formError({ error: e }, USER_FIELDS, userFieldOf)),
  });
  // A row's role, extension or agent login is saved as soon as it is picked: the new value shows
  // at once, the status line says what was saved, and a refusal puts the old value back and says why.
  const rowChange = useRowChange({
    onSaved: (change) => {
      setRowError(null);
      setRowSaved(describeRowChange(change));
      // Kept on screen until the list is fetched again, so the select does not flick back.
      utils.user.list.setData(undefined, (rows) =>
        rows?.map((r) =>
          r.username === change.username ? { ...r, [change.field]: change.value || null } : r,
        ),
      );
      void utils.user.list.invalidate();
    },
    onRefused: (change, error) => {
      setRowSaved(null);
      setRowError(`${describeRowChange(change, "refused")} ${errorMessage(error)}`);
      void utils.user.list.invalidate();
    },
  });
  const pick = (change: RowChange) => {
    setRowError(null);
    setRowSaved(null);
    rowChange.save(change);
  };

  function refuse(error: ReturnType<typeof formError<UserField>>) {
    setMessage({ kind: "error", text: error.text });
    setErrors(error.messages);
    focusAfterRender(() =>
      error.fields[0] ? document.getElementById(userFieldId(error.fields[0])) : byId("users-status")(),
    );
  }
  const edit = (patch: Partial<UserForm>) => {
    setForm({ ...form, ...patch });
    setErrors(Object.fromEntries(Object.entries(errors).filter(([f]) => !(f in patch))));
  };
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
      refuse(formError({ issues: parsed.error.issues }, USER_FIELDS, userFieldOf));
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
      <p role="status" className="text-sm text-green-700" data-testid="users-row-status">
        {rowSaved}
      </p>
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
                      value={rowChange.shown(u.username, "role", u.role)}
                      onChange={(e) =>
                        pick({ username: u.username, field: "role", value: e.target.value, was: u.role })
                      }
                      className="rounded-md border border-slate-300 px-2 py-1"
                    >
                      <RoleOptions />
                    </select>
                  </label>
                </td>
                <td className="px-4 py-2" data-label="Extension">
                  <BindingSelect
                    label={`Extension of ${u.username}`}
                    value={rowChange.shown(u.username, "extension", u.extension ?? "")}
                    options={extensionOptions}
                    onChange={(extension) =>
                      pick({
                        username: u.username,
                        field: "extension",
                        value: extension,
                        was: u.extension ?? "",
                      })
                    }
                  />
                </td>
                <td className="px-4 py-2" data-label="Agent login">
                  <BindingSelect
                    label={`Agent login of ${u.username}`}
                    value={rowChange.shown(u.username, "agentLoginCode", u.agentLoginCode ?? "")}
                    options={agentOptions}
                    onChange={(code) =>
                      pick({
                        username: u.username,
                        field: "agentLoginCode",
                        value: code,
                        was: u.agentLoginCode ?? "",
                      })
                    }
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
          id={userFieldId("username")}
          label="Username"
          value={form.username}
          maxLength={MAX_LENGTH.username}
          error={errors.username ?? null}
          onChange={(username) => edit({ username })}
        />
        <Field
          id={userFieldId("password")}
          label="Password"
          type="password"
          value={form.password}
          maxLength={MAX_LENGTH.userPassword}
          error={errors.password ?? null}
          onChange={(password) => edit({ password })}
        />
        <label className="text-sm" htmlFor={userFieldId("role")}>
          <span className="block font-medium text-slate-700">Role</span>
          <select
            id={userFieldId("role")}
            value={form.role}
            onChange={(e) => edit({ role: e.target.value as Role })}
            className="mt-1 rounded-md border border-slate-300 px-2 py-1.5"
          >
            <RoleOptions />
          </select>
          <InlineError field="role" errors={errors} />
        </label>
        <label className="text-sm" htmlFor={userFieldId("extension")}>
          <span className="block font-medium text-slate-700">Extension</span>
          <BindingOptions
            id={userFieldId("extension")}
            error={errors.extension}
            value={form.extension}
            options={extensionOptions}
            onChange={(extension) => edit({ extension })}
            className="mt-1 py-1.5"
          />
          <InlineError field="extension" errors={errors} />
        </label>
        <label className="text-sm" htmlFor={userFieldId("agentLoginCode")}>
          <span className="block font-medium text-slate-700">Agent login</span>
          <BindingOptions
            id={userFieldId("agentLoginCode")}
            error={errors.agentLoginCode}
            value={form.agentLoginCode}
            options={agentOptions}
            onChange={(agentLoginCode) => edit({ agentLoginCode })}
            className="mt-1 py-1.5"
          />
          <InlineError field="agentLoginCode" errors={errors} />
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

/** A field's problems under it (its id is what the field's aria-describedby names). */
function InlineError({ field, errors }: { field: UserField; errors: FieldMessages<UserField> }) {
  if (!errors[field]) return null;
  return (
    <span id={`${userFieldId(field)}-error`} className="mt-1 block text-xs text-red-700">
      {errors[field]}
    </span>
  );
}

function BindingOptions(props: {
  id?: string;
  error?: string | undefined;
  value: string;
  options: Option[];
  className: string;
  onChange: (value: string) => void;
}) {
  return (
    <select
      id={props.id}
      aria-invalid={props.error ? true : undefined}
      aria-describedby={props.error && props.id ? `${props.id}-error` : undefined}
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

function RoleOptions() {
  return ROLES.map((r) => (
    <option key={r} value={r}>
      {r}
    </option>
  ));
}
