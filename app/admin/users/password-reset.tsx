"use client";

import { type FormEvent, useState } from "react";
import { MAX_LENGTH, zUserPassword } from "../../../common/schemas/config-schemas";
import { Field, SubmitButton } from "../../_components/form-controls";
import { errorMessage } from "../../_lib/error-message";
import { trpc } from "../../_lib/trpc";

/**
 * An admin sets a new password for a user, in the user's row. A new password always ends the
 * user's sessions; whether their API tokens go too is asked here, since a script may depend on
 * one while a leaked password may have been used to mint one.
 */
export function PasswordReset(props: { username: string; onDone: (text: string) => void }) {
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState("");
  const [revokeApiTokens, setRevokeApiTokens] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const update = trpc.user.update.useMutation({
    onSuccess: (_user, variables) => {
      setOpen(false);
      setPassword("");
      props.onDone(
        `New password for ${props.username}: their sessions ended${variables.revokeApiTokens ? " and their API tokens were revoked" : ""}.`,
      );
      setRevokeApiTokens(false);
    },
    onError: (e) => setError(errorMessage(e)),
  });

  if (!open)
    return (
      <button
        type="button"
        onClick={() => {
          setError(null);
          setOpen(true);
        }}
        className="rounded-md border border-slate-300 px-2 py-1 text-sm hover:bg-slate-50 max-md:min-h-10"
      >
        Reset password<span className="sr-only"> of {props.username}</span>
      </button>
    );

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const parsed = zUserPassword.safeParse(password);
    if (!parsed.success) {
      setError(parsed.error.issues.map((i) => i.message).join("; "));
      return;
    }
    update.mutate({ username: props.username, password: parsed.data, revokeApiTokens });
  }

  return (
    <form
      onSubmit={onSubmit}
      aria-label={`New password for ${props.username}`}
      className="flex flex-wrap items-end justify-end gap-2"
      noValidate
    >
      <Field
        label={`New password for ${props.username}`}
        type="password"
        value={password}
        maxLength={MAX_LENGTH.userPassword}
        onChange={setPassword}
        error={error}
      />
      <label className="flex items-center gap-1 text-sm">
        <input
          type="checkbox"
          checked={revokeApiTokens}
          onChange={(e) => setRevokeApiTokens(e.target.checked)}
        />
        Also revoke their API tokens
      </label>
      <SubmitButton pending={update.isPending} pendingText="Saving…">
        Save password
      </SubmitButton>
      <button
        type="button"
        onClick={() => setOpen(false)}
        className="rounded-md border border-slate-300 px-2 py-1 text-sm hover:bg-slate-50 max-md:min-h-10"
      >
        Cancel
      </button>
    </form>
  );
}
