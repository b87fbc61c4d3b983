import type { Clock, TimerHandle } from "./clock";

interface FakeTimer {
  readonly timerId: number;
  readonly due: number;
  readonly fn: () => void;
}

/** A timer that keeps rescheduling itself at the same instant would make advance() spin forever. */
const MAX_TIMERS_PER_ADVANCE = 100_000;

/**
 * A Clock for tests: time stands still until advance(ms), which runs every timer that falls
 * due in that window in due order (timers due at the same instant run in the order they were
 * set), including timers set by the timers it runs.
 */
export class FakeClock implements Clock {
  private current: number;
  private nextId = 1;
  private readonly timers = new Map<number, FakeTimer>();

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`FakeClock: invalid delay ${ms}`);
    const timerId = this.nextId++;
    this.timers.set(timerId, { timerId, due: this.current + ms, fn });
    return { timerId };
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle.timerId);
  }

  /** Moves time forward by `ms`, running due timers in order. Returns how many ran. */
  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`FakeClock: invalid advance ${ms}`);
    const target = this.current + ms;
    let ran = 0;
    for (;;) {
      const next = this.earliest();
      if (next === undefined || next.due > target) break;
      if (++ran > MAX_TIMERS_PER_ADVANCE) {
        throw new Error(`FakeClock: more than ${MAX_TIMERS_PER_ADVANCE} timers in one advance()`);
      }
      this.timers.delete(next.timerId);
      this.current = next.due;
      next.fn();
    }
    this.current = target;
    return ran;
  }

  /** Number of timers set and not yet run or cleared. */
  get pendingCount(): number {
    return this.timers.size;
  }

  /** Delays from now of the pending timers, shortest first. */
  pendingDelays(): number[] {
    return [...this.timers.values()].map((t) => t.due - this.current).sort((a, b) => a - b);
  }

  private earliest(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const timer of this.timers.values()) {
      if (
        best === undefined ||
        timer.due < best.due ||
        (timer.due === best.due && timer.timerId < best.timerId)
      ) {
        best = timer;
      }
    }
    return best;
  }
}
