import { describe, expect, it } from "vitest";
import { LoginThrottle } from "./login-throttle";

function make() {
  let now = 0;
  const throttle = new LoginThrottle({
    freeAttempts: 2,
    baseDelayMs: 1000,
    maxDelayMs: 4000,
    forgetAfterMs: 60_000,
    now: () => now,
  });
  return { throttle, advance: (ms: number) => (now += ms) };
}

describe("LoginThrottle", () => {
  it("allows the free attempts, then doubles the wait up to the cap", () => {
    const { throttle, advance } = make();
    throttle.recordFailure("10.0.0.1", "admin");
    throttle.recordFailure("10.0.0.1", "admin");
    expect(() => throttle.assertAllowed("10.0.0.1", "admin")).not.toThrow();
    throttle.recordFailure("10.0.0.1", "admin"); // 3rd: 1 s
    expect(() => throttle.assertAllowed("10.0.0.1", "admin")).toThrow(/1 s/);
    advance(1000);
    throttle.recordFailure("10.0.0.1", "admin"); // 4th: 2 s
    advance(1999);
    expect(() => throttle.assertAllowed("10.0.0.1", "admin")).toThrow();
    advance(1);
    throttle.recordFailure("10.0.0.1", "admin"); // 5th: 4 s
    throttle.recordFailure("10.0.0.1", "admin"); // 6th: capped at 4 s
    expect(() => throttle.assertAllowed("10.0.0.1", "admin")).toThrow(/4 s/);
  });

  it("blocks the username from another source and the source for another username", () => {
    const { throttle } = make();
    for (let i = 0; i < 3; i++) throttle.recordFailure("10.0.0.1", "admin");
    expect(() => throttle.assertAllowed("10.0.0.2", "admin")).toThrow();
    expect(() => throttle.assertAllowed("10.0.0.1", "someone")).toThrow();
    expect(() => throttle.assertAllowed("10.0.0.2", "someone")).not.toThrow();
  });

  it("forgets old failures and a success clears the counters", () => {
    const { throttle, advance } = make();
    for (let i = 0; i < 3; i++) throttle.recordFailure("10.0.0.1", "admin");
    advance(60_001);
    expect(() => throttle.assertAllowed("10.0.0.1", "admin")).not.toThrow();
    throttle.recordFailure("10.0.0.1", "admin");
    throttle.recordSuccess("10.0.0.1", "admin");
    throttle.recordFailure("10.0.0.1", "admin");
    throttle.recordFailure("10.0.0.1", "admin");
    expect(() => throttle.assertAllowed("10.0.0.1", "admin")).not.toThrow();
  });
});
