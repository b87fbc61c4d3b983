"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";
import type { Role } from "../common/roles";
import { trpc } from "./_lib/trpc";

const HOME: Record<Role, string> = { agent: "/softphone", supervisor: "/dashboard", admin: "/admin" };

/** Sends each role to its home page: agents to the softphone (all they use), supervisors to the dashboard, admins to configuration. */
export default function HomePage() {
  const router = useRouter();
  const me = trpc.auth.me.useQuery();
  useEffect(() => {
    if (me.isLoading) return;
    if (!me.data) router.replace("/login");
    else router.replace(HOME[me.data.role]);
  }, [me.isLoading, me.data, router]);
  return <p className="p-8 text-slate-500">Loading…</p>;
}
