import { describe, expect, it } from "vitest";
import { callStateOf, type SessionFacts, spaced, summarizeCall } from "./recorded-call-summary";

const at = (s: number) => new Date(Date.UTC(2026, 11, 3, 10, 0, s));
const session = (over: Partial<SessionFacts>): SessionFacts => ({
  id: "r1",
  callId: "sip-1",
  copyOf: "",
  state: "stopped",
  outcome: "complete",
  dn: "1003",
  agentId: "",
  startedAt: at(0),
  endedAt: at(10),
  pauseCount: 0,
  ...over,
});

describe("callStateOf", () => {
  it("is live while any session is", () => {
    for (const state of ["starting", "recording", "paused", "interrupted"])
      expect(callStateOf([session({}), session({ id: "r2", state, outcome: "", endedAt: null })])).toBe(
        "live",
      );
  });
  it("is complete only when every recording is", () => {
    expect(callStateOf([session({}), session({ id: "r2" })])).toBe("complete");
    expect(callStateOf([session({}), session({ id: "r2", outcome: "incomplete" })])).toBe("incomplete");
    // Ended but never settled: nothing says the recorder got it all.
    expect(callStateOf([session({ outcome: "" })])).toBe("incomplete");
  });
  it("is failed when every recording failed, incomplete when only some did", () => {
    expect(callStateOf([session({ state: "failed", outcome: "incomplete" })])).toBe("failed");
    expect(callStateOf([session({}), session({ id: "r2", state: "failed", outcome: "incomplete" })])).toBe(
      "incomplete",
    );
  });
  it("a parallel copy that is complete makes up for its primary, and a failed copy does not spoil it", () => {
    const primary = session({ outcome: "incomplete" });
    expect(callStateOf([primary, session({ id: "r1.copy2", copyOf: "r1" })])).toBe("complete");
    expect(callStateOf([session({}), session({ id: "r1.copy2", copyOf: "r1", state: "failed" })])).toBe(
      "complete",
    );
  });
});

describe("summarizeCall", () => {
  it("spans the first start to the last end, with each DN and agent once", () => {
    expect(
      summarizeCall([
        session({ startedAt: at(5), endedAt: at(30), dn: "pstn" }),
        session({ id: "r2", startedAt: at(2), endedAt: at(20), agentId: "5001", pauseCount: 1 }),
        session({ id: "r3", startedAt: at(25), endedAt: at(28), agentId: "5001" }),
      ]),
    ).toEqual({
      callId: "sip-1",
      dns: " pstn 1003 ",
      agentIds: " 5001 ",
      startedAt: at(2),
      endedAt: at(30),
      durationMs: 28_000,
      hasPause: true,
      state: "complete",
      sessionCount: 3,
    });
  });
  it("has no end while a session is live", () => {
    expect(
      summarizeCall([session({}), session({ id: "r2", endedAt: null, state: "recording" })]),
    ).toMatchObject({
      endedAt: null,
      durationMs: null,
      state: "live",
    });
  });
  it("spaced leaves one space when there is nothing", () => {
    expect([spaced([]), spaced(["", ""]), spaced(["a", "a"])]).toEqual([" ", " ", " a "]);
  });
});
