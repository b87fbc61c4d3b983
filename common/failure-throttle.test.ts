import { describe, expect, it } from "vitest";
import { FailureThrottle } from "./failure-throttle";

function throttle(): { throttle: FailureThrottle; clock: { now: number } } {
  const clock = { now: 0 };
  return { throttle: new FailureThrottle({ now: () => clock.now }), clock };
}

describe("FailureThrottle", () => {
  it("blocks after 5 failures within the window, for 60 s", () => {
    const { throttle: t, clock } = throttle();
    for (let i = 0; i < 4; i++) t.recordFailure("a");
    expect(t.blockedFor("a")).toBe(0);
    t.recordFailure("a");
    expect(t.blockedFor("a")).toBe(60_000);
    expect(t.blockedFor("b")).toBe(0);
    clock.now += 60_000;
    expect(t.blockedFor("a")).toBe(0);
  });

  it("doubles each further block up to 15 min", () => {
    const { throttle: t, clock } = throttle();
    for (let i = 0; i < 5; i++) t.recordFailure("a");
    const blocks: number[] = [];
    for (let i = 0; i < 6; i++) {
      clock.now += t.blockedFor("a");
      t.recordFailure("a");
      blocks.push(t.blockedFor("a"));
    }
    expect(blocks).toEqual([120_000, 240_000, 480_000, 900_000, 900_000, 900_000]);
  });

  it("forgets after a success or after a long quiet period", () => {
    const { throttle: t, clock } = throttle();
    for (let i = 0; i < 5; i++) t.recordFailure("a");
    t.recordSuccess("a");
    expect(t.blockedFor("a")).toBe(0);
    for (let i = 0; i < 4; i++) t.recordFailure("a");
    t.recordFailure("a");
    expect(t.blockedFor("a")).toBe(60_000);
    clock.now += 60_000 + 15 * 60_000;
    t.prune();
    expect(t.size).toBe(0);
    t.recordFailure("a");
    expect(t.blockedFor("a")).toBe(0);
  });
});
