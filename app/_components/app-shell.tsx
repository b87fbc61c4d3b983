"use client";

import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { type ReactNode, useEffect } from "react";
import type { Role } from "../../common/roles";
import { roleAllows } from "../../common/roles";
import { trpc } from "../_lib/trpc";
import { AlarmBanner } from "./alarm-banner";

const NAV: { href: string; label: string; role: Role }[] = [
  { href: "/softphone", label: "Softphone", role: "agent" },
  { href: "/calls", label: "Live calls", role: "supervisor" },
  { href: "/recordings", label: "Recordings", role: "supervisor" },
  { href: "/admin", label: "Configuration", role: "supervisor" },
  { href: "/admin/users", label: "Users & tokens", role: "admin" },
  { href: "/admin/audit", label: "Audit log", role: "admin" },
];

/** Page frame for signed-in users: redirects to /login when the session is gone. */
export function AppShell({ children, requiredRole }: { children: ReactNode; requiredRole: Role }) {
  const router = useRouter();
  const pathname = usePathname();
  const utils = trpc.useUtils();
  const me = trpc.auth.me.useQuery();
  const logout = trpc.auth.logout.useMutation({
    onSuccess: async () => {
      await utils.invalidate();
      router.replace("/login");
    },
  });

  useEffect(() => {
    if (!me.isLoading && !me.data) router.replace("/login");
  }, [me.isLoading, me.data, router]);

  if (me.isLoading || !me.data) return <p className="p-8 text-slate-500">Loading…</p>;
  const user = me.data;

  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
          <span className="text-lg font-semibold tracking-tight text-brand-700">Forkline</span>
          <nav aria-label="Main" className="order-last flex w-full flex-wrap gap-1 lg:order-none lg:w-auto">
            {NAV.filter((item) => roleAllows(user.role, item.role)).map((item) => (
              <Link
                key={item.href}
                href={item.href}
                aria-current={pathname === item.href ? "page" : undefined}
                className="rounded-md px-3 py-1.5 text-sm font-medium text-slate-600 hover:bg-slate-100 aria-[current=page]:bg-brand-50 aria-[current=page]:text-brand-700"
              >
                {item.label}
              </Link>
            ))}
          </nav>
          <div className="ml-auto flex items-center gap-3 text-sm">
            <span className="text-slate-600">
              {user.username}{" "}
              <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-500">{user.role}</span>
            </span>
            <button
              type="button"
              onClick={() => logout.mutate()}
              className="rounded-md border border-slate-300 px-3 py-1 hover:bg-slate-50"
            >
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main className="mx-auto max-w-6xl px-4 py-6">
        {roleAllows(user.role, "supervisor") && <AlarmBanner />}
        {roleAllows(user.role, requiredRole) ? (
          children
        ) : (
          <p role="alert" className="rounded-md bg-amber-50 p-4 text-amber-800">
            This page needs the {requiredRole} role; you are signed in as {user.role}.
          </p>
        )}
      </main>
    </div>
  );
}
