"use client";

import { useState } from "react";
import {
  FULL_TIME_STOP_RULES,
  type FullTimeStopRule,
  STOP_REASON_RULES,
  type StopReasonRule,
  zMaxPauseSeconds,
} from "../../common/schemas/config-schemas";
import { errorMessage } from "../_lib/error-message";
import { trpc } from "../_lib/trpc";
import { useIsAdmin } from "../_lib/use-is-admin";

const RULE_TEXT: Record<FullTimeStopRule, string> = {
  supervisors: "Supervisors and admins only (agents are refused)",
  anyone: "Anyone, agents too",
};
const STOP_REASON_TEXT: Record<StopReasonRule, string> = {
  required: "Required (stored in the history)",
  optional: "Optional",
};

/**
 * The compliance rules of recording control. A full-time recording (record=true) is there because
 * the contact centre must record the call: by default an agent cannot stop it (pausing stays
 * allowed, so card numbers are kept out).
 */
export function ComplianceRules() {
  const utils = trpc.useUtils();
  const isAdmin = useIsAdmin();
  const rules = trpc.compliance.get.useQuery();
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const save = trpc.compliance.setFullTimeStop.useMutation({
    onSuccess: async (saved) => {
      setMessage({
        kind: "ok",
        text: `Full-time recordings can now be stopped by: ${RULE_TEXT[saved.fullTimeStop].toLowerCase()}.`,
      });
      await utils.compliance.get.invalidate();
    },
    onError: (error) => setMessage({ kind: "error", text: errorMessage(error) }),
  });
  const saveRules = trpc.compliance.set.useMutation({
    onSuccess: async (saved) => {
      setMessage({
        kind: "ok",
        text: `Saved: a stop's reason is ${saved.stopReason}; ${
          saved.maxPauseSeconds === 0
            ? "pauses have no limit"
            : `a pause resumes by itself after ${saved.maxPauseSeconds} s`
        }.`,
      });
      await utils.compliance.get.invalidate();
    },
    onError: (error) => setMessage({ kind: "error", text: errorMessage(error) }),
  });
  const [maxPause, setMaxPause] = useState<string | null>(null);
  const maxPauseShown = maxPause ?? String(rules.data?.maxPauseSeconds ?? "");
  const saveMaxPause = () => {
    const parsed = zMaxPauseSeconds.safeParse(Number(maxPauseShown));
    if (maxPauseShown.trim() === "" || !parsed.success) {
      setMessage({
        kind: "error",
        text: parsed.error?.issues[0]?.message ?? "maximum pause: a number of seconds",
      });
      return;
    }
    saveRules.mutate({ maxPauseSeconds: parsed.data }, { onSuccess: () => setMaxPause(null) });
  };
  const disabled = !isAdmin || rules.isLoading || save.isPending || saveRules.isPending;
  return (
    <section aria-labelledby="compliance-title" className="space-y-3">
      <h2 id="compliance-title" className="text-xl font-semibold">
        Compliance
      </h2>
      <div className="flex flex-wrap items-center gap-3 text-sm">
        <label htmlFor="full-time-stop" className="font-medium">
          Who may stop a full-time recording
        </label>
        <select
          id="full-time-stop"
          value={rules.data?.fullTimeStop ?? "supervisors"}
          disabled={disabled}
          aria-describedby="full-time-stop-message"
          onChange={(e) => save.mutate({ fullTimeStop: e.target.value as FullTimeStopRule })}
          className="max-w-full rounded-md border border-slate-300 px-2 py-1 max-md:min-h-10"
        >
          {FULL_TIME_STOP_RULES.map((rule) => (
            <option key={rule} value={rule}>
              {RULE_TEXT[rule]}
            </option>
          ))}
        </select>
      </div>
      <div className="flex flex-wrap items-center gap-3 text-sm">
        <label htmlFor="stop-reason" className="font-medium">
          A stop needs a reason
        </label>
        <select
          id="stop-reason"
          value={rules.data?.stopReason ?? "required"}
          disabled={disabled}
          aria-describedby="full-time-stop-message"
          onChange={(e) => saveRules.mutate({ stopReason: e.target.value as StopReasonRule })}
          className="max-w-full rounded-md border border-slate-300 px-2 py-1 max-md:min-h-10"
        >
          {STOP_REASON_RULES.map((rule) => (
            <option key={rule} value={rule}>
              {STOP_REASON_TEXT[rule]}
            </option>
          ))}
        </select>
      </div>
      <div className="flex flex-wrap items-center gap-3 text-sm">
        <label htmlFor="max-pause" className="font-medium">
          Longest pause (seconds, 0 = no limit)
        </label>
        <input
          id="max-pause"
          inputMode="numeric"
          value={maxPauseShown}
          disabled={disabled}
          aria-describedby="full-time-stop-message"
          onChange={(e) => setMaxPause(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") saveMaxPause();
          }}
          className="w-24 rounded-md border border-slate-300 px-2 py-1"
        />
        <button
          type="button"
          aria-disabled={disabled}
          onClick={() => {
            if (!disabled) saveMaxPause();
          }}
          className="rounded-md border border-slate-300 px-2 py-1 hover:bg-slate-50 aria-disabled:opacity-60 max-md:min-h-10"
        >
          Save longest pause
        </button>
      </div>
      <div className="text-sm">
        <span
          id="full-time-stop-message"
          role={message?.kind === "error" || rules.error ? "alert" : "status"}
          className={message?.kind === "error" || rules.error ? "text-red-700" : "text-slate-600"}
        >
          {rules.error ? errorMessage(rules.error) : (message?.text ?? "")}
        </span>
      </div>
    </section>
  );
}
