import { describe, expect, it } from "vitest";
import {
  IllegalTransitionError,
  isFinalState,
  transitionFunction,
  type TransitionTable,
} from "./state-machine";

type Light = "off" | "on" | "broken";
const EDGES: TransitionTable<Light> = { off: ["on", "broken"], on: ["off", "broken"], broken: [] };

describe("transitionFunction", () => {
  it("allows exactly the moves of the table and names the machine and instance of a refused one", () => {
    const move = transitionFunction("light", EDGES);
    expect(move("off", "on")).toBe("on");
    expect(move("on", "broken")).toBe("broken");
    expect(() => move("broken", "on", "hall")).toThrow(
      new IllegalTransitionError("light hall", "broken", "on"),
    );
    expect(() => move("off", "off")).toThrow("light: cannot go from off to off");
    expect(isFinalState(EDGES, "broken")).toBe(true);
    expect(isFinalState(EDGES, "on")).toBe(false);
  });

  it("throws the machine's own error when it has one", () => {
    class LightError extends IllegalTransitionError {}
    const move = transitionFunction("light", EDGES, (from, to) => new LightError("light", from, to, "no"));
    expect(() => move("broken", "off")).toThrow(LightError);
  });
});
