"use client";

import { type FormEvent, useState } from "react";
import { zAgentLoginCode } from "../../common/schemas/config-schemas";
import { Field, FormMessage, type FormMessageValue, SubmitButton } from "../_components/form-controls";
import { errorMessage } from "../_lib/error-message";
import { trpc } from "../_lib/trpc";

/**
 * TAgentLogin / TAgentLogout on the registered extension, answered by the T-Library event.
 * `assignedCode`: for an agent, the one login code they may use (null: none assigned); undefined
 * for supervisors and admins, who may type any.
 */
export function AgentPanel({ dn, assignedCode }: { dn: string; assignedCode?: string | null }) {
  const [code, setCode] = useState(assignedCode ?? "");
  const [message, setMessage] = useState<FormMessageValue>(null);
  const utils = trpc.useUtils();
  const current = trpc.cti.agentOnDn.useQuery({ dn });
  const request = trpc.cti.request.useMutation({
    onSuccess: async (event) => {
      if (event.event === "EventError")
        setMessage({ kind: "error", text: event.error?.message ?? "Refused." });
      else
        setMessage({
          kind: "ok",
          text: event.event === "EventAgentLogin" ? `Logged in as agent ${event.agentId}.` : "Logged out.",
        });
      await utils.cti.agentOnDn.invalidate({ dn });
    },
    onError: (error) => setMessage({ kind: "error", text: errorMessage(error) }),
  });

  function login(event: FormEvent) {
    event.preventDefault();
    const parsed = zAgentLoginCode.safeParse(code);
    if (!parsed.success)
      return setMessage({ kind: "error", text: parsed.error.issues.map((i) => i.message).join("; ") });
    request.mutate({ request: "TAgentLogin", thisDn: dn, agentId: parsed.data });
  }

  const agent = current.data;
  return (
    <section aria-labelledby="agent-title" className="rounded-lg border border-slate-200 bg-white p-4">
      <h2 id="agent-title" className="mb-3 text-base font-semibold">
        Agent
      </h2>
      {current.isLoading ? (
        <p className="text-sm text-slate-500">Loading…</p>
      ) : agent ? (
        <div className="flex flex-wrap items-center gap-3">
          <p className="text-sm" data-testid="agent-state">
            Logged in as agent {agent.agentId} on {agent.dn}
          </p>
          <button
            type="button"
            disabled={request.isPending}
            onClick={() => request.mutate({ request: "TAgentLogout", thisDn: dn })}
            className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50 disabled:opacity-60"
          >
            Log out agent
          </button>
        </div>
      ) : assignedCode === null ? (
        <p role="alert" className="text-sm text-amber-800" data-testid="agent-state">
          No agent login is assigned to you. Ask an admin to assign one under Users &amp; tokens.
        </p>
      ) : (
        <form aria-label="Agent login" onSubmit={login} className="grid gap-3">
          <Field
            label="Agent login code"
            value={code}
            onChange={setCode}
            readOnly={assignedCode !== undefined}
          />
          <SubmitButton pending={request.isPending}>Log in agent</SubmitButton>
          <p className="text-sm text-slate-500" data-testid="agent-state">
            No agent logged in on {dn}
          </p>
        </form>
      )}
      <div className="mt-2">
        <FormMessage message={message} />
      </div>
    </section>
  );
}
