import { type TransitionTable, transitionFunction } from "../../../common/state-machine";

/**
 * An agent's state as a T-Server keeps it (Genesys T-Library): logged out, or logged in and either
 * Not Ready (the state a TAgentLogin leaves them in) or Ready (TAgentSetReady). TAgentSetNotReady
 * moves a Ready agent back, with an optional reason code; repeating a request is harmless (the
 * T-Server confirms it again, e.g. to change the reason code). Only a logged-in agent changes state:
 * from `logged_out` only a login leads anywhere.
 */
export const AgentWorkState = {
  LoggedOut: "logged_out",
  NotReady: "not_ready",
  Ready: "ready",
} as const;
export type AgentWorkState = (typeof AgentWorkState)[keyof typeof AgentWorkState];

/** The states saved with an agent session (a logged-out agent has no session). */
export type LoggedInState = Exclude<AgentWorkState, "logged_out">;

export const AGENT_WORK_STATE_EDGES: TransitionTable<AgentWorkState> = {
  logged_out: ["not_ready"],
  not_ready: ["not_ready", "ready", "logged_out"],
  ready: ["ready", "not_ready", "logged_out"],
};

export const transitionAgentWorkState = transitionFunction("agent state", AGENT_WORK_STATE_EDGES);

/** A saved state read back: anything unknown counts as Not Ready, the safe side. */
export function toLoggedInState(value: string): LoggedInState {
  return value === AgentWorkState.Ready ? AgentWorkState.Ready : AgentWorkState.NotReady;
}
