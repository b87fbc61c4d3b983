/**
 * Time as the SIP stack sees it. Every transaction timer (A–K), the 2xx retransmission of the
 * UAS core and the ACK cache go through a Clock, so tests drive them with FakeClock instead of
 * waiting for real seconds.
 */
export interface TimerHandle {
  readonly timerId: number;
}

export interface Clock {
  /** Milliseconds, monotonic enough for timer arithmetic. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock: Node timers. */
export class SystemClock implements Clock {
  private nextId = 1;
  private readonly timers = new Map<number, NodeJS.Timeout>();

  now(): number {
    return performance.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timerId = this.nextId++;
    const timeout = setTimeout(() => {
      this.timers.delete(timerId);
      fn();
    }, ms);
    this.timers.set(timerId, timeout);
    return { timerId };
  }

  clearTimeout(handle: TimerHandle): void {
    const timeout = this.timers.get(handle.timerId);
    if (timeout === undefined) return;
    clearTimeout(timeout);
    this.timers.delete(handle.timerId);
  }

  /** Timers scheduled and not yet fired or cleared (for leak checks in tests). */
  get pendingCount(): number {
    return this.timers.size;
  }
}
