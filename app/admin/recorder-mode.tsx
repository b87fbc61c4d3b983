"use client";

import { useState } from "react";
import { errorMessage } from "../_lib/error-message";
import { trpc } from "../_lib/trpc";

const MODE_TEXT = {
  failover: "Failover: each recording goes to the first recorder that answers",
  parallel: "Parallel: each recording goes to two recorders at once (dual recording)",
} as const;

/**
 * How recordings use the recorder list. Parallel mode is what compliance teams ask for calls that
 * must never be lost: each copy has its own SIPREC session, and losing one recorder loses nothing.
 */
export function RecorderMode() {
  const utils = trpc.useUtils();
  const mode = trpc.recorder.mode.useQuery();
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const save = trpc.recorder.setMode.useMutation({
    onSuccess: async (saved) => {
      setMessage({ kind: "ok", text: `Recorder mode is now ${saved.mode}; it applies to new recordings.` });
      await utils.recorder.mode.invalidate();
    },
    onError: (error) => setMessage({ kind: "error", text: errorMessage(error) }),
  });
  return (
    <div className="flex flex-wrap items-center gap-3 text-sm">
      <label htmlFor="recorder-mode" className="font-medium">
        Recording mode
      </label>
      <select
        id="recorder-mode"
        value={mode.data?.mode ?? "failover"}
        disabled={mode.isLoading || save.isPending}
        aria-describedby="recorder-mode-message"
        onChange={(e) => save.mutate({ mode: e.target.value as keyof typeof MODE_TEXT })}
        className="max-w-full rounded-md border border-slate-300 px-2 py-1 max-md:min-h-10"
      >
        {(Object.keys(MODE_TEXT) as (keyof typeof MODE_TEXT)[]).map((value) => (
          <option key={value} value={value}>
            {MODE_TEXT[value]}
          </option>
        ))}
      </select>
      <span
        id="recorder-mode-message"
        role={message?.kind === "error" ? "alert" : "status"}
        className={message?.kind === "error" ? "text-red-700" : "text-slate-600"}
      >
        {mode.error ? errorMessage(mode.error) : (message?.text ?? "")}
      </span>
    </div>
  );
}
