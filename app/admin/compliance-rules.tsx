"use client";

import { useState } from "react";
import { FULL_TIME_STOP_RULES, type FullTimeStopRule } from "../../common/schemas/config-schemas";
import { errorMessage } from "../_lib/error-message";
import { trpc } from "../_lib/trpc";
import { useIsAdmin } from "../_lib/use-is-admin";

const RULE_TEXT: Record<FullTimeStopRule, string> = {
  supervisors: "Supervisors and admins only (agents are refused)",
  anyone: "Anyone, agents too",
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
          disabled={!isAdmin || rules.isLoading || save.isPending}
          aria-describedby="full-time-stop-message"
          onChange={(e) => save.mutate({ fullTimeStop: e.target.value as FullTimeStopRule })}
          className="rounded-md border border-slate-300 px-2 py-1"
        >
          {FULL_TIME_STOP_RULES.map((rule) => (
            <option key={rule} value={rule}>
              {RULE_TEXT[rule]}
            </option>
          ))}
        </select>
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
