"use client";

import { type FormEvent, useState } from "react";
import {
  API_TOKEN_EXPIRY_DAYS,
  API_TOKEN_SCOPES,
  type ApiTokenScope,
  DEFAULT_API_TOKEN_EXPIRY_DAYS,
  MAX_LENGTH,
  zCreateApiTokenInput,
} from "../../../common/schemas/config-schemas";
import {
  Field,
  FormMessage,
  type FormMessageValue,
  SelectField,
  SubmitButton,
} from "../../_components/form-controls";
import { ColumnHeads } from "../../_components/column-heads";
import { errorMessage } from "../../_lib/error-message";
import { byId, useFocusAfterRender } from "../../_lib/focus";
import { type FieldMessages, formError } from "../../_lib/form-errors";
import { trpc } from "../../_lib/trpc";
import { CopyToken } from "./copy-token";

type TokenField = "name" | "expiresInDays" | "scope";
const TOKEN_FIELDS: readonly TokenField[] = ["name", "expiresInDays", "scope"];
const tokenFieldOf = (key: string) => TOKEN_FIELDS.find((f) => f === key);
const tokenFieldId = (field: TokenField) => `token-field-${field}`;

type Expiry = `${(typeof API_TOKEN_EXPIRY_DAYS)[number]}` | "never";
const EXPIRY_CHOICES: readonly Expiry[] = [...API_TOKEN_EXPIRY_DAYS.map((d) => `${d}` as Expiry), "never"];
const EXPIRY_LABELS: Record<Expiry, string> = {
  "30": "in 30 days",
  "90": "in 90 days",
  "365": "in a year",
  never: "never",
};
const SCOPE_LABELS: Record<ApiTokenScope, string> = {
  "read-only": "read-only: look, never change",
  full: "full: may change configuration",
};

const when = (date: Date | null, none: string) => (date ? date.toLocaleString() : none);

export function TokensSection() {
  const utils = trpc.useUtils();
  const focusAfterRender = useFocusAfterRender();
  const tokens = trpc.apiToken.list.useQuery();
  const [name, setName] = useState("");
  const [expiry, setExpiry] = useState<Expiry>(`${DEFAULT_API_TOKEN_EXPIRY_DAYS}` as Expiry);
  const [scope, setScope] = useState<ApiTokenScope>("full");
  const [created, setCreated] = useState<{ token: string; name: string } | null>(null);
  const [message, setMessage] = useState<FormMessageValue>(null);
  const [errors, setErrors] = useState<FieldMessages<TokenField>>({});
  const create = trpc.apiToken.create.useMutation({
    onSuccess: async ({ token }, input) => {
      setCreated({ token, name: input.name });
      setMessage(null);
      setErrors({});
      setName("");
      focusAfterRender(byId("new-token"));
      await utils.apiToken.list.invalidate();
    },
    onError: (e) => refuse(formError({ error: e }, TOKEN_FIELDS, tokenFieldOf)),
  });
  const revoke = trpc.apiToken.revoke.useMutation({
    onSuccess: () => utils.apiToken.list.invalidate(),
    onError: (e) => setMessage({ kind: "error", text: errorMessage(e) }),
  });

  function refuse(error: ReturnType<typeof formError<TokenField>>) {
    setMessage({ kind: "error", text: error.text });
    setErrors(error.messages);
    focusAfterRender(() => (error.fields[0] ? document.getElementById(tokenFieldId(error.fields[0])) : null));
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const parsed = zCreateApiTokenInput.safeParse({
      name,
      expiresInDays: expiry === "never" ? null : Number(expiry),
      scope,
    });
    if (!parsed.success) {
      refuse(formError({ issues: parsed.error.issues }, TOKEN_FIELDS, tokenFieldOf));
      return;
    }
    create.mutate(parsed.data);
  }

  return (
    <section aria-labelledby="tokens-title" className="space-y-3">
      <h2 id="tokens-title" className="text-xl font-semibold">
        API tokens <span className="text-sm font-normal text-slate-500">(for the CLI and scripts)</span>
      </h2>
      {created && (
        <div
          id="new-token"
          tabIndex={-1}
          role="status"
          className="rounded-md border border-green-200 bg-green-50 p-3 text-sm text-green-900"
        >
          New token {created.name}, shown only this once:{" "}
          <code id="new-token-value" className="break-all select-all">
            {created.token}
          </code>
          <CopyToken token={created.token} valueId="new-token-value" />
          <div className="mt-1 text-green-800">
            Use it as <code>FORKLINE_API_TOKEN</code> with <code>npx forkline</code>.
          </div>
        </div>
      )}
      <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="w-full text-left text-sm max-lg:stacked-table" aria-label="API tokens">
          <ColumnHeads
            columns={["Name", "User", "Scope", "Created", "Expires", "Last used", { hidden: "Actions" }]}
          />
          <tbody className="divide-y divide-slate-100">
            {tokens.isLoading && (
              <tr>
                <td colSpan={7} className="px-4 py-2 text-slate-500">
                  Loading…
                </td>
              </tr>
            )}
            {tokens.error && (
              <tr>
                <td colSpan={7} role="alert" className="px-4 py-2 text-red-700">
                  {errorMessage(tokens.error)}
                </td>
              </tr>
            )}
            {tokens.data?.length === 0 && (
              <tr>
                <td colSpan={7} className="px-4 py-2 text-slate-500">
                  No tokens.
                </td>
              </tr>
            )}
            {tokens.data?.map((t) => (
              <tr key={t.id} data-testid={`token-row-${t.name}`}>
                <td className="px-4 py-2 font-medium max-md:text-base">{t.name}</td>
                <td className="px-4 py-2 text-slate-600" data-label="User">
                  {t.username} ({t.role})
                </td>
                <td className="px-4 py-2" data-label="Scope">
                  {t.scope}
                </td>
                <td className="px-4 py-2 text-slate-500" data-label="Created">
                  {when(t.createdAt, "")}
                </td>
                <td
                  data-label="Expires"
                  className={`px-4 py-2 ${t.expired ? "font-medium text-red-700" : "text-slate-500"}`}
                >
                  {t.expired ? `expired ${when(t.expiresAt, "")}` : when(t.expiresAt, "never")}
                </td>
                <td className="px-4 py-2 text-slate-500" data-label="Last used">
                  {when(t.lastUsedAt, "never")}
                </td>
                <td className="px-4 py-2 text-right">
                  <button
                    type="button"
                    onClick={() => revoke.mutate({ id: t.id })}
                    className="rounded-md border border-slate-300 px-2 py-1 text-red-700 hover:bg-red-50 max-md:min-h-10"
                  >
                    Revoke {t.name}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form
        onSubmit={onSubmit}
        aria-label="Create an API token"
        className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4"
        noValidate
      >
        <Field
          id={tokenFieldId("name")}
          label="Token name"
          value={name}
          maxLength={MAX_LENGTH.apiTokenName}
          error={errors.name ?? null}
          onChange={(value) => {
            setName(value);
            setErrors({ ...errors, name: undefined });
          }}
        />
        <SelectField
          id={tokenFieldId("expiresInDays")}
          label="Expires"
          value={expiry}
          options={EXPIRY_CHOICES}
          optionLabel={(v) => EXPIRY_LABELS[v]}
          onChange={setExpiry}
          aria-invalid={undefined}
          aria-describedby={undefined}
          error={errors.expiresInDays ?? null}
        />
        <SelectField
          id={tokenFieldId("scope")}
          label="Scope"
          value={scope}
          options={API_TOKEN_SCOPES}
          optionLabel={(v) => SCOPE_LABELS[v]}
          onChange={setScope}
          aria-invalid={undefined}
          aria-describedby={undefined}
          error={errors.scope ?? null}
        />
        <SubmitButton pending={create.isPending}>Create token</SubmitButton>
        <FormMessage message={message} />
      </form>
    </section>
  );
}
