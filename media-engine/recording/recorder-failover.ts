import type { Clock, TimerHandle } from "../../sip-core";

/** Wait after the first round of a re-establishment in which no recorder answered. */
export const BACKOFF_FIRST_MS = 1_000;
/** The wait doubles each round up to this. */
export const BACKOFF_MAX_MS = 30_000;

/** The wait after failed round `round` (0-based): 1 s, 2 s, 4 s … 30 s. */
export function backoffMs(round: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.min(round, 16));
}

/**
 * The order in which recorders are tried: the ones after `after` in the failover list, wrapping
 * round, and `after` itself last (so a lost recorder is tried again once the others failed).
 * `after` = -1 gives the list as written (the first round at start).
 */
export function failoverOrder(count: number, after: number): number[] {
  if (after < 0) return Array.from({ length: count }, (_, i) => i);
  return Array.from({ length: count }, (_, i) => (after + 1 + i) % count);
}

export interface FailoverDeps {
  readonly clock: Clock;
  /** Tries recorder `index`: undefined when it took the recording, else why it was skipped. */
  attempt(index: number): Promise<string | undefined>;
  onSkipped(index: number, reason: string): void;
  /** False once the recording ended: no further attempt. */
  live(): boolean;
}

/**
 * Tries recorders in failover order, one round after another with a doubling pause between
 * rounds, for as long as the recording is live. The clock is injectable so the schedule can be
 * tested without waiting for it.
 */
export class RecorderFailover {
  private timer: TimerHandle | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly deps: FailoverDeps) {}

  /** One pass over `order` without waiting. Returns the reasons of the skipped ones, or undefined once one accepted. */
  async round(order: readonly number[]): Promise<string[] | undefined> {
    const reasons: string[] = [];
    for (const index of order) {
      if (!this.deps.live()) return reasons;
      const reason = await this.deps.attempt(index);
      if (reason === undefined) return undefined;
      // Given up because the recording ended meanwhile: not a recorder's fault, nothing to report.
      if (!this.deps.live()) return reasons;
      reasons.push(reason);
      this.deps.onSkipped(index, reason);
    }
    return reasons;
  }

  /** Rounds with backoff until a recorder accepts (true) or the recording ends (false). */
  async untilAccepted(order: readonly number[]): Promise<boolean> {
    for (let round = 0; this.deps.live(); round++) {
      if ((await this.round(order)) === undefined) return true;
      if (!this.deps.live()) return false;
      await this.sleep(backoffMs(round));
    }
    return false;
  }

  /** Ends a pending wait at once (the recording stopped). */
  cancel(): void {
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = this.deps.clock.setTimeout(() => {
        this.timer = undefined;
        resolve();
      }, ms);
    });
  }
}
