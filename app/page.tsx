"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { trpc } from "./_lib/trpc";

/** Sends each role to its home page: agents to the softphone (all they use), supervisors and admins to configuration. */
export default function HomePage() {
  const router = useRouter();
  const me = trpc.auth.me.useQuery();
  useEffect(() => {
    if (me.isLoading) return;
    if (!me.data) router.replace("/login");
    else router.replace(me.data.role === "agent" ? "/softphone" : "/admin");
  }, [me.isLoading, me.data, router]);
  return <p className="p-8 text-slate-500">Loading…</p>;
}
