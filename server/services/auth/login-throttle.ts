import { AppError, AppErrorCode } from "../../errors/app-error";

type Entry = { failures: number; blockedUntil: number; lastFailure: number };

/**
 * Slows password guessing per source address and per username: after `freeAttempts`
 * failures each further failure doubles the wait (1 s, 2 s, 4 s … up to `maxDelayMs`).
 * A success clears the counters for that pair. Kept in memory: a restart forgives,
 * which is acceptable for a single-process control plane.
 */
export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly opts: {
      freeAttempts: number;
      baseDelayMs: number;
      maxDelayMs: number;
      forgetAfterMs: number;
      now: () => number;
    } = {
      freeAttempts: 5,
      baseDelayMs: 1000,
      maxDelayMs: 5 * 60_000,
      forgetAfterMs: 15 * 60_000,
      now: Date.now,
    },
  ) {}

  /** Throws TOO_MANY_REQUESTS while the source or the username is in its waiting period. */
  assertAllowed(source: string, username: string): void {
    const now = this.opts.now();
    for (const key of this.keys(source, username)) {
      const entry = this.entries.get(key);
      if (!entry) continue;
      if (now - entry.lastFailure > this.opts.forgetAfterMs) {
        this.entries.delete(key);
        continue;
      }
      if (entry.blockedUntil > now) {
        const retryAfterSeconds = Math.ceil((entry.blockedUntil - now) / 1000);
        throw new AppError(
          AppErrorCode.TOO_MANY_REQUESTS,
          `Too many failed logins. Try again in ${retryAfterSeconds} s.`,
          { retryAfterSeconds },
        );
      }
    }
  }

  recordFailure(source: string, username: string): void {
    const now = this.opts.now();
    for (const key of this.keys(source, username)) {
      const entry = this.entries.get(key) ?? { failures: 0, blockedUntil: 0, lastFailure: now };
      entry.failures += 1;
      entry.lastFailure = now;
      const over = entry.failures - this.opts.freeAttempts;
      if (over > 0) {
        entry.blockedUntil = now + Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** (over - 1));
      }
      this.entries.set(key, entry);
    }
    if (this.entries.size > 10_000) this.prune(now);
  }

  recordSuccess(source: string, username: string): void {
    this.entries.delete(`user:${username.toLowerCase()}`);
    this.entries.delete(`source:${source}`);
  }

  private keys(source: string, username: string): string[] {
    return [`source:${source}`, `user:${username.toLowerCase()}`];
  }

  private prune(now: number): void {
    for (const [key, entry] of this.entries) {
      if (now - entry.lastFailure > this.opts.forgetAfterMs) this.entries.delete(key);
    }
  }
}
