"use client";

import { useEffect, useState } from "react";

/** How often the server is asked whether it is there, and how long an answer may take. */
const CHECK_EVERY_MS = 5_000;
const ANSWER_WITHIN_MS = 3_000;

/**
 * Says when this page has lost the Forkline server (stopped, restarting, network gone): live
 * calls, alarms and the softphone's state then stop being current, and without this a
 * supervisor would read "0 in progress" as the truth. Asks /healthz every 5 s; gone as soon
 * as the server answers again.
 */
export function ConnectionBanner() {
  const [lostSince, setLostSince] = useState<Date | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const check = async () => {
      let ok = false;
      try {
        const response = await fetch("/healthz", {
          cache: "no-store",
          signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
        });
        ok = response.ok;
      } catch {
        ok = false;
      }
      if (stopped) return;
      setLostSince((since) => (ok ? null : (since ?? new Date())));
      timer = setTimeout(() => void check(), CHECK_EVERY_MS);
    };
    void check();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);
  if (lostSince === null) return null;
  return (
    <p
      role="alert"
      className="mb-4 rounded-md border border-amber-300 bg-amber-50 px-4 py-2 text-sm text-amber-900"
    >
      No connection to the Forkline server since {lostSince.toLocaleTimeString()}: what this page shows (live
      calls, alarms, the softphone) may be out of date. Retrying every {CHECK_EVERY_MS / 1000} s.
    </p>
  );
}
