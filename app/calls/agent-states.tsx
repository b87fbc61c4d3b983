"use client";

import { errorMessage } from "../_lib/error-message";
import { trpc } from "../_lib/trpc";

/**
 * The agents logged in now, with their Ready / Not Ready state and reason, for supervisors beside
 * the live calls: refreshed whenever an agent event (login, logout, Ready, Not Ready) is published.
 */
export function AgentStates() {
  const agents = trpc.cti.agents.useQuery();
  const utils = trpc.useUtils();
  trpc.cti.events.useSubscription(undefined, {
    // What changed before the stream opened (or while it reconnected) is read once it is open.
    onStarted: () => void utils.cti.agents.invalidate(),
    onData: (event) => {
      if (event.event.startsWith("EventAgent")) void utils.cti.agents.invalidate();
    },
  });
  return (
    <section aria-labelledby="agents-title" className="mt-6 space-y-2">
      <h2 id="agents-title" className="text-lg font-semibold">
        Agents
      </h2>
      {agents.error ? (
        <p role="alert" className="text-sm text-red-700">
          {errorMessage(agents.error)}
        </p>
      ) : agents.data === undefined ? (
        <p className="text-sm text-slate-500">Loading…</p>
      ) : agents.data.length === 0 ? (
        <p className="text-sm text-slate-500">No agent is logged in.</p>
      ) : (
        <ul aria-label="Agents logged in" className="grid gap-2 sm:grid-cols-2 lg:grid-cols-3">
          {agents.data.map((a) => (
            <li
              key={a.agentId}
              data-testid="agent-row"
              className="flex flex-wrap items-baseline justify-between gap-2 rounded-lg border border-slate-200 bg-white px-3 py-2 text-sm"
            >
              <span>
                <span className="font-medium">{a.name || `Agent ${a.agentId}`}</span>{" "}
                <span className="text-slate-500">
                  {a.agentId} on {a.dn}
                  {a.username ? ` · ${a.username}` : ""}
                </span>
              </span>
              <span
                data-testid="agent-row-state"
                className={`rounded-full px-2 py-0.5 text-xs font-medium ${
                  a.state === "ready" ? "bg-emerald-100 text-emerald-900" : "bg-amber-100 text-amber-900"
                }`}
              >
                {a.state === "ready" ? "Ready" : a.reasonCode ? `Not Ready (${a.reasonCode})` : "Not Ready"}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
