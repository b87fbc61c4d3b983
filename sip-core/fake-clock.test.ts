import { describe, expect, it } from "vitest";
import { FakeClock } from "./fake-clock";

describe("FakeClock", () => {
  it("runs due timers in due order, same-instant timers in the order they were set", () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push("b@200"), 200);
    clock.setTimeout(() => fired.push("a@100"), 100);
    clock.setTimeout(() => fired.push("c@200"), 200);
    clock.setTimeout(() => fired.push("d@300"), 300);
    expect(clock.advance(250)).toBe(3);
    expect(fired).toEqual(["a@100", "b@200", "c@200"]);
    expect(clock.now()).toBe(250);
    expect(clock.pendingDelays()).toEqual([50]);
  });

  it("runs timers set by timers within the same advance, at their own time", () => {
    const clock = new FakeClock();
    const at: number[] = [];
    clock.setTimeout(() => {
      at.push(clock.now());
      clock.setTimeout(() => at.push(clock.now()), 50);
    }, 100);
    clock.advance(1_000);
    expect(at).toEqual([100, 150]);
  });

  it("does not run cleared timers, and advance(0) runs zero-delay timers", () => {
    const clock = new FakeClock();
    let ran = 0;
    const handle = clock.setTimeout(() => ran++, 10);
    clock.clearTimeout(handle);
    clock.setTimeout(() => ran++, 0);
    expect(clock.pendingCount).toBe(1);
    clock.advance(0);
    clock.advance(100);
    expect(ran).toBe(1);
    expect(clock.pendingCount).toBe(0);
  });

  it("refuses a timer that keeps rescheduling itself at the same instant", () => {
    const clock = new FakeClock();
    const again = (): void => {
      clock.setTimeout(again, 0);
    };
    clock.setTimeout(again, 0);
    expect(() => clock.advance(1)).toThrow(/more than/);
  });

  it("refuses negative delays", () => {
    const clock = new FakeClock();
    expect(() => clock.setTimeout(() => undefined, -1)).toThrow(RangeError);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });
});
