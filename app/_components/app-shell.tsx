"use client";

import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { type ReactNode, useEffect, useRef, useState } from "react";
import type { Role } from "../../common/roles";
import { roleAllows } from "../../common/roles";
import { errorMessage } from "../_lib/error-message";
import { trpc } from "../_lib/trpc";
import { AlarmBanner } from "./alarm-banner";
import { ConnectionBanner } from "./connection-banner";

const NAV: { href: string; label: string; role: Role }[] = [
  { href: "/softphone", label: "Softphone", role: "agent" },
  { href: "/dashboard", label: "Dashboard", role: "supervisor" },
  { href: "/calls", label: "Live calls", role: "supervisor" },
  { href: "/recordings", label: "Recordings", role: "supervisor" },
  { href: "/admin", label: "Configuration", role: "supervisor" },
  { href: "/admin/users", label: "Users & tokens", role: "admin" },
  { href: "/admin/audit", label: "Audit log", role: "admin" },
  { href: "/admin/import", label: "Import/Export", role: "admin" },
];

/** Page frame for signed-in users: redirects to /login when the session is gone. */
export function AppShell({ children, requiredRole }: { children: ReactNode; requiredRole: Role }) {
  const router = useRouter();
  const pathname = usePathname();
  const utils = trpc.useUtils();
  const me = trpc.auth.me.useQuery();
  // Below `md` the navigation folds behind a Menu button; it closes again on every page change.
  const [menuOpen, setMenuOpen] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);
  useEffect(() => setMenuOpen(false), [pathname]);
  const logout = trpc.auth.logout.useMutation({
    onSuccess: async () => {
      await utils.invalidate();
      router.replace("/login");
    },
  });

  // Only a definite "nobody is signed in" goes to /login; a failed check is shown, not taken for one.
  useEffect(() => {
    if (me.isSuccess && !me.data) router.replace("/login");
  }, [me.isSuccess, me.data, router]);

  if (me.error && !me.data) {
    return (
      <p role="alert" className="p-8 text-red-700">
        Could not check your session: {errorMessage(me.error)}
      </p>
    );
  }
  if (me.isLoading || !me.data) {
    return (
      <p role="status" className="p-8 text-slate-500">
        Loading…
      </p>
    );
  }
  const user = me.data;

  return (
    <div className="min-h-screen">
      {/* First Tab stop: past the navigation in one key press. Kept above the page until focused
          (not sr-only, whose reset would strip its padding when shown). Focusing <main> by hand rather
          than following the #main fragment keeps the URL clean and works whatever the router does. */}
      <a
        href="#main"
        onClick={(event) => {
          event.preventDefault();
          const main = document.getElementById("main");
          main?.focus();
          main?.scrollIntoView({ block: "start" });
        }}
        className="absolute top-2 left-2 z-50 -translate-y-[200%] rounded-md bg-brand-600 px-3 py-2 text-sm font-medium text-white shadow focus:translate-y-0"
      >
        Skip to main content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-3 gap-y-2 px-4 py-3 sm:gap-x-6">
          <span className="text-lg font-semibold tracking-tight text-brand-700">Forkline</span>
          {/* Phones: a Menu button right before the list it opens, so the next Tab goes into it. */}
          <button
            ref={menuButton}
            type="button"
            aria-expanded={menuOpen}
            aria-controls="main-nav"
            onClick={() => setMenuOpen((open) => !open)}
            className="inline-flex size-10 items-center justify-center rounded-md border border-slate-300 hover:bg-slate-50 md:hidden"
          >
            <span aria-hidden className="grid gap-1">
              <span className="block h-0.5 w-4 bg-current" />
              <span className="block h-0.5 w-4 bg-current" />
              <span className="block h-0.5 w-4 bg-current" />
            </span>
            <span className="sr-only">Menu</span>
          </button>
          <nav
            id="main-nav"
            aria-label="Main"
            onKeyDown={(event) => {
              if (event.key !== "Escape" || !menuOpen) return;
              setMenuOpen(false);
              menuButton.current?.focus();
            }}
            className={`order-last w-full flex-col gap-1 md:flex md:flex-row md:flex-wrap lg:order-none lg:w-auto ${menuOpen ? "flex" : "hidden"}`}
          >
            {NAV.filter((item) => roleAllows(user.role, item.role)).map((item) => (
              <Link
                key={item.href}
                href={item.href}
                aria-current={pathname === item.href ? "page" : undefined}
                onClick={() => setMenuOpen(false)}
                className="flex min-h-10 items-center rounded-md px-3 py-1.5 text-sm font-medium text-slate-600 hover:bg-slate-100 aria-[current=page]:bg-brand-50 aria-[current=page]:text-brand-700 md:min-h-0"
              >
                {item.label}
              </Link>
            ))}
          </nav>
          <div className="ml-auto flex min-w-0 items-center gap-3 text-sm">
            <span className="flex min-w-0 items-baseline gap-1 text-slate-600">
              {/* A long username is cut short on a phone; the role badge stays whole. */}
              <span className="truncate">{user.username}</span>{" "}
              <span className="shrink-0 rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-500">
                {user.role}
              </span>
            </span>
            <button
              type="button"
              disabled={logout.isPending}
              onClick={() => logout.mutate()}
              className="min-h-10 shrink-0 rounded-md border border-slate-300 px-3 py-1 hover:bg-slate-50 disabled:opacity-60 md:min-h-0"
            >
              {logout.isPending ? "Signing out…" : "Sign out"}
            </button>
          </div>
          {logout.error && (
            <p role="alert" className="w-full text-right text-sm text-red-700">
              Could not sign out: {errorMessage(logout.error)}
            </p>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-4 py-6">
        <ConnectionBanner />
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
