"use client";

import { trpc } from "./trpc";

/** Admins edit configuration; supervisors see the same pages read-only. */
export function useIsAdmin(): boolean {
  const me = trpc.auth.me.useQuery();
  return me.data?.role === "admin";
}
