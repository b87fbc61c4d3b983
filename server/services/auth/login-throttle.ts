import { FailureThrottle } from "../../../common/failure-throttle";
import { AppError, AppErrorCode } from "../../errors/app-error";

/**
 * Slows web password guessing per source address and per username, with the one FailureThrottle
 * the SIP registrar uses too: after `freeAttempts` failures each further failure doubles the wait
 * (1 s, 2 s, 4 s … up to `maxDelayMs`). A success clears the counters for that pair; a quiet
 * `forgetAfterMs` forgives. Kept in memory: a restart forgives, which is acceptable for a
 * single-process control plane.
 */
export class LoginThrottle {
  private readonly throttle: FailureThrottle;

  constructor(
    opts: {
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
  ) {
    this.throttle = new FailureThrottle({
      now: opts.now,
      maxFailures: opts.freeAttempts + 1,
      // Failures count until forgiven, however far apart.
      windowMs: opts.forgetAfterMs,
      blockMs: opts.baseDelayMs,
      maxBlockMs: opts.maxDelayMs,
      forgetAfterMs: opts.forgetAfterMs,
    });
  }

  /** Throws TOO_MANY_REQUESTS while the source or the username is in its waiting period. */
  assertAllowed(source: string, username: string): void {
    const waitMs = Math.max(...this.keys(source, username).map((key) => this.throttle.blockedFor(key)));
    if (waitMs > 0) {
      const retryAfterSeconds = Math.ceil(waitMs / 1000);
      throw new AppError(
        AppErrorCode.TOO_MANY_REQUESTS,
        `Too many failed logins. Try again in ${retryAfterSeconds} s.`,
        { retryAfterSeconds },
      );
    }
  }

  recordFailure(source: string, username: string): void {
    for (const key of this.keys(source, username)) this.throttle.recordFailure(key);
    if (this.throttle.size > 10_000) this.throttle.prune();
  }

  recordSuccess(source: string, username: string): void {
    for (const key of this.keys(source, username)) this.throttle.recordSuccess(key);
  }

  private keys(source: string, username: string): string[] {
    return [`source:${source}`, `user:${username.toLowerCase()}`];
  }
}
