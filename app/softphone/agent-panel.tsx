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
      else if (event.event === "EventAgentLogin" || event.event === "EventAgentLogout")
        setMessage({
          kind: "ok",
          text: event.event === "EventAgentLogin" ? `Logged in as agent ${event.agentId}.` : "Logged out.",
        });
      // Ready / Not Ready shows in the toggle itself: no message to go stale.
      else setMessage(null);
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
          <ReadyToggle
            ready={agent.state === "ready"}
            reasonCode={agent.reasonCode}
            busy={request.isPending}
            onReady={() => request.mutate({ request: "TAgentSetReady", thisDn: dn })}
            onNotReady={(reasonCode) =>
              request.mutate({
                request: "TAgentSetNotReady",
                thisDn: dn,
                ...(reasonCode === "" ? {} : { reasonCode }),
              })
            }
          />
          <button
            type="button"
            disabled={request.isPending}
            onClick={() => request.mutate({ request: "TAgentLogout", thisDn: dn })}
            className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50 disabled:opacity-60 max-md:min-h-10"
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

/** The Not Ready reasons a desktop offers (T-Library ReasonCode); none is allowed too. */
const REASONS = ["", "Break", "Lunch", "Training", "After-call work", "Meeting"];

/**
 * Ready / Not Ready (TAgentSetReady / TAgentSetNotReady): one switch, and the reason code the
 * next Not Ready carries.
 */
function ReadyToggle(props: {
  ready: boolean;
  reasonCode: string;
  busy: boolean;
  onReady: () => void;
  onNotReady: (reasonCode: string) => void;
}) {
  const [reason, setReason] = useState(props.reasonCode);
  return (
    <div className="flex w-full flex-wrap items-center gap-3">
      <button
        type="button"
        role="switch"
        aria-checked={props.ready}
        aria-label="Ready"
        disabled={props.busy}
        onClick={() => (props.ready ? props.onNotReady(reason) : props.onReady())}
        className={`inline-flex items-center gap-2 rounded-full px-3 py-1.5 text-sm font-medium disabled:opacity-60 max-md:min-h-10 ${
          props.ready
            ? "bg-emerald-600 text-white hover:bg-emerald-700"
            : "bg-amber-100 text-amber-900 hover:bg-amber-200"
        }`}
      >
        <span
          aria-hidden
          className={`h-2.5 w-2.5 rounded-full ${props.ready ? "bg-white" : "bg-amber-600"}`}
        />
        <span data-testid="agent-work-state">
          {props.ready ? "Ready" : props.reasonCode ? `Not Ready (${props.reasonCode})` : "Not Ready"}
        </span>
      </button>
      <label className="flex items-center gap-2 text-sm">
        Not Ready reason
        <select
          value={reason}
          onChange={(e) => {
            setReason(e.target.value);
            // Already Not Ready: the new reason applies at once.
            if (!props.ready) props.onNotReady(e.target.value);
          }}
          disabled={props.busy}
          className="rounded-md border border-slate-300 px-2 py-1 text-sm max-md:min-h-10"
        >
          {REASONS.map((r) => (
            <option key={r} value={r}>
              {r === "" ? "(none)" : r}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
