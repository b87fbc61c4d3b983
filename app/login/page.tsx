"use client";

import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { zLoginInput } from "../../common/schemas/config-schemas";
import { errorMessage } from "../_lib/error-message";
import { byId, useFocusAfterRender } from "../_lib/focus";
import { trpc } from "../_lib/trpc";

type LoginField = "username" | "password";
const ERROR_ID = "login-error";

export default function LoginPage() {
  const router = useRouter();
  const utils = trpc.useUtils();
  const focusAfterRender = useFocusAfterRender();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [formError, setFormError] = useState<{ text: string; field: LoginField | null } | null>(null);
  const login = trpc.auth.login.useMutation({
    onSuccess: async () => {
      await utils.auth.me.invalidate();
      router.replace("/");
    },
    // A wrong password or a lockout names no one field: the message itself takes focus, since the
    // Sign in button the person pressed was disabled while the request ran.
    onError: (error) => {
      setFormError({ text: errorMessage(error), field: null });
      focusAfterRender(byId(ERROR_ID));
    },
  });

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const parsed = zLoginInput.safeParse({ username, password });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path[0] === "password" ? "password" : "username";
      setFormError({ text: issue?.message ?? "Check the form.", field });
      focusAfterRender(byId(`login-${field}`));
      return;
    }
    setFormError(null);
    login.mutate(parsed.data);
  }

  const invalid = (field: LoginField) =>
    formError?.field === field ? { "aria-invalid": true, "aria-describedby": ERROR_ID } : {};

  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <form
        onSubmit={onSubmit}
        className="w-full max-w-sm space-y-5 rounded-xl border border-slate-200 bg-white p-8 shadow-sm"
        aria-labelledby="login-title"
        noValidate
      >
        <div>
          <h1 id="login-title" className="text-2xl font-semibold tracking-tight">
            Forkline
          </h1>
          <p className="mt-1 text-sm text-slate-500">Sign in to manage call recording.</p>
        </div>
        <label className="block" htmlFor="login-username">
          <span className="text-sm font-medium text-slate-700">Username</span>
          <input
            id="login-username"
            name="username"
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            {...invalid("username")}
            className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 focus:border-brand-500 aria-invalid:border-red-500"
          />
        </label>
        <label className="block" htmlFor="login-password">
          <span className="text-sm font-medium text-slate-700">Password</span>
          <input
            id="login-password"
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            {...invalid("password")}
            className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 focus:border-brand-500 aria-invalid:border-red-500"
          />
        </label>
        {formError && (
          <p
            id={ERROR_ID}
            role="alert"
            tabIndex={-1}
            className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700"
          >
            {formError.text}
          </p>
        )}
        <button
          type="submit"
          disabled={login.isPending}
          className="w-full rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60"
        >
          {login.isPending ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
