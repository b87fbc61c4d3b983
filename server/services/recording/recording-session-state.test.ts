import { describe, expect, it } from "vitest";
import {
  RecordingState as S,
  RecordingStateError,
  canTransition,
  isFinal,
  transition,
} from "./recording-session-state";

// Every (from, to) pair, written out so that a change to the machine must change this table.
const ALLOWED: [S, S][] = [
  [S.Starting, S.Recording],
  [S.Starting, S.Stopped],
  [S.Starting, S.Failed],
  [S.Recording, S.Paused],
  [S.Recording, S.Interrupted],
  [S.Recording, S.Stopped],
  [S.Recording, S.Failed],
  [S.Paused, S.Recording],
  [S.Paused, S.Interrupted],
  [S.Paused, S.Stopped],
  [S.Paused, S.Failed],
  [S.Interrupted, S.Recording],
  [S.Interrupted, S.Paused],
  [S.Interrupted, S.Stopped],
  [S.Interrupted, S.Failed],
];

describe("recording session state machine", () => {
  const states = Object.values(S);
  for (const from of states) {
    for (const to of states) {
      const allowed = ALLOWED.some(([f, t]) => f === from && t === to);
      it(`${from} → ${to} is ${allowed ? "allowed" : "refused"}`, () => {
        expect(canTransition(from, to)).toBe(allowed);
        if (allowed) expect(transition(from, to)).toBe(to);
        else expect(() => transition(from, to)).toThrow(RecordingStateError);
      });
    }
  }

  it("stopped and failed are final", () => {
    expect(states.filter(isFinal).sort()).toEqual([S.Failed, S.Stopped]);
  });

  it("says what was refused", () => {
    expect(() => transition(S.Paused, S.Paused)).toThrow("A recording that is paused cannot become paused.");
  });
});
