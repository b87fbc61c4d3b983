import { describe, expect, it } from "vitest";
import { IllegalTransitionError, isFinalState } from "../../../common/state-machine";
import {
  AGENT_WORK_STATE_EDGES,
  AgentWorkState,
  toLoggedInState,
  transitionAgentWorkState,
} from "./agent-work-state";

const ALL = Object.values(AgentWorkState);
const LEGAL = new Set([
  "logged_out>not_ready",
  "not_ready>not_ready",
  "not_ready>ready",
  "not_ready>logged_out",
  "ready>ready",
  "ready>not_ready",
  "ready>logged_out",
]);

describe("agent work state machine", () => {
  it.each(ALL.flatMap((from) => ALL.map((to) => [from, to] as const)))("%s → %s", (from, to) => {
    if (LEGAL.has(`${from}>${to}`)) expect(transitionAgentWorkState(from, to)).toBe(to);
    else expect(() => transitionAgentWorkState(from, to, "5001")).toThrow(IllegalTransitionError);
  });

  it("has no final state (an agent can always log in again) and reads unknown saved states as Not Ready", () => {
    for (const state of ALL) expect(isFinalState(AGENT_WORK_STATE_EDGES, state)).toBe(false);
    expect(toLoggedInState("ready")).toBe("ready");
    expect(toLoggedInState("not_ready")).toBe("not_ready");
    expect(toLoggedInState("walk_away")).toBe("not_ready");
  });
});
