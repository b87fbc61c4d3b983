import { describe, expect, it } from "vitest";
import { FakeClock } from "../../sip-core";
import { backoffMs, failoverOrder, RecorderFailover } from "./recorder-failover";

/** Lets the loop run up to its next wait (its awaits are all on settled promises). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe("recorder failover", () => {
  it("tries the recorders after the lost one, wrapping round, the lost one last", () => {
    expect(failoverOrder(3, -1)).toEqual([0, 1, 2]);
    expect(failoverOrder(3, 0)).toEqual([1, 2, 0]);
    expect(failoverOrder(3, 2)).toEqual([0, 1, 2]);
    expect(failoverOrder(1, 0)).toEqual([0]);
  });

  it("waits 1 s doubling to 30 s between rounds, until a recorder accepts", async () => {
    const clock = new FakeClock(0);
    const attempts: [number, number][] = [];
    const skipped: number[] = [];
    let acceptAt = Infinity;
    const failover = new RecorderFailover({
      clock,
      attempt: (index) => {
        attempts.push([clock.now(), index]);
        return Promise.resolve(clock.now() >= acceptAt ? undefined : "503 Service Unavailable");
      },
      onSkipped: (index) => skipped.push(index),
      live: () => true,
    });
    const done = failover.untilAccepted(failoverOrder(2, 0));
    let accepted: boolean | undefined;
    void done.then((value) => (accepted = value));
    await settle();
    // Advance one millisecond at a time would be slow; advance to each expected instant instead.
    const rounds = [0, 1_000, 3_000, 7_000, 15_000, 31_000, 61_000, 91_000, 121_000];
    for (const at of rounds.slice(1)) {
      clock.advance(at - clock.now() - 1);
      await settle();
      expect(attempts.at(-1)![0], `nothing before ${at} ms`).toBeLessThan(at);
      clock.advance(1);
      await settle();
    }
    expect(attempts).toEqual(
      rounds.flatMap((at) => [[at, 1] as [number, number], [at, 0] as [number, number]]),
    );
    expect(skipped).toHaveLength(attempts.length);
    expect(accepted).toBeUndefined();
    acceptAt = 151_000;
    clock.advance(30_000);
    await settle();
    expect(attempts.at(-1)).toEqual([151_000, 1]);
    expect(accepted).toBe(true);
    expect(backoffMs(20)).toBe(30_000);
  });

  it("gives up at once when the recording ends during a wait", async () => {
    const clock = new FakeClock(0);
    let live = true;
    const failover = new RecorderFailover({
      clock,
      attempt: () => Promise.resolve("no answer"),
      onSkipped: () => undefined,
      live: () => live,
    });
    const done = failover.untilAccepted([0]);
    await settle();
    live = false;
    failover.cancel();
    await expect(done).resolves.toBe(false);
    expect(clock.pendingCount).toBe(0);
  });
});
