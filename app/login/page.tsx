"use client";

import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { zLoginInput } from "../../common/schemas/config-schemas";
import { errorMessage } from "../_lib/error-message";
import { trpc } from "../_lib/trpc";

export default function LoginPage() {
  const router = useRouter();
  const utils = trpc.useUtils();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [formError, setFormError] = useState<string | null>(null);
  const login = trpc.auth.login.useMutation({
    onSuccess: async () => {
      await utils.auth.me.invalidate();
      router.replace("/admin");
    },
    onError: (error) => setFormError(errorMessage(error)),
  });

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const parsed = zLoginInput.safeParse({ username, password });
    if (!parsed.success) {
      setFormError(parsed.error.issues[0]?.message ?? "Check the form.");
      return;
    }
    setFormError(null);
    login.mutate(parsed.data);
  }

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
        <label className="block">
          <span className="text-sm font-medium text-slate-700">Username</span>
          <input
            name="username"
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 focus:border-brand-500 focus:ring-2 focus:ring-brand-100 focus:outline-none"
          />
        </label>
        <label className="block">
          <span className="text-sm font-medium text-slate-700">Password</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 focus:border-brand-500 focus:ring-2 focus:ring-brand-100 focus:outline-none"
          />
        </label>
        {formError && (
          <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
            {formError}
          </p>
        )}
        <button
          type="submit"
          disabled={login.isPending}
          className="w-full rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 focus:ring-2 focus:ring-brand-100 focus:outline-none disabled:opacity-60"
        >
          {login.isPending ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
