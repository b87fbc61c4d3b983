export interface FailureThrottleOptions {
  now: () => number;
  /** Failures within `windowMs` that start the first block. */
  maxFailures?: number;
  windowMs?: number;
  /** First block; each later one doubles, up to `maxBlockMs`. */
  blockMs?: number;
  maxBlockMs?: number;
  /**
   * A quiet period this long (after the last failure and the end of the last block) forgives
   * everything; by default the longer of `windowMs` and `maxBlockMs`.
   */
  forgetAfterMs?: number;
}

interface Entry {
  /** Times of the failures still inside the window, oldest first. */
  failures: number[];
  /** Blocks served so far: the next one lasts blockMs * 2^blocks. */
  blocks: number;
  blockedUntil: number;
  lastFailure: number;
}

/**
 * Slows password guessing, for the web sign-in (per source address and per username, see
 * LoginThrottle) and the SIP registrar's digest (per source address) alike. `maxFailures` within
 * `windowMs` block the key for `blockMs` (defaults, the registrar's: 5 failures in 60 s block for
 * 60 s). Once a key has been blocked, one more failure blocks it again for twice as long (up to
 * `maxBlockMs`, 15 min): a phone with a wrong password keeps retrying on its own, and each round of
 * its retries must not buy an attacker 5 fresh guesses. A success, or a quiet period of
 * `forgetAfterMs`, forgives. Kept in memory: a restart forgives too.
 */
export class FailureThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly blockMs: number;
  private readonly maxBlockMs: number;
  private readonly forgetAfterMs: number;

  constructor(private readonly options: FailureThrottleOptions) {
    this.maxFailures = options.maxFailures ?? 5;
    this.windowMs = options.windowMs ?? 60_000;
    this.blockMs = options.blockMs ?? 60_000;
    this.maxBlockMs = options.maxBlockMs ?? 15 * 60_000;
    this.forgetAfterMs = options.forgetAfterMs ?? Math.max(this.windowMs, this.maxBlockMs);
  }

  /** Milliseconds the key must still wait, 0 when it may try. */
  blockedFor(key: string): number {
    const entry = this.entries.get(key);
    if (entry === undefined) return 0;
    return Math.max(0, entry.blockedUntil - this.options.now());
  }

  recordFailure(key: string): void {
    const now = this.options.now();
    const entry = this.current(key, now) ?? { failures: [], blocks: 0, blockedUntil: 0, lastFailure: now };
    entry.lastFailure = now;
    entry.failures = entry.failures.filter((at) => now - at < this.windowMs);
    entry.failures.push(now);
    if (entry.blocks > 0 || entry.failures.length >= this.maxFailures) {
      entry.blockedUntil = now + Math.min(this.maxBlockMs, this.blockMs * 2 ** entry.blocks);
      entry.blocks++;
      entry.failures = [];
    }
    this.entries.set(key, entry);
  }

  recordSuccess(key: string): void {
    this.entries.delete(key);
  }

  /** Drops the keys that were forgiven by time. */
  prune(): void {
    const now = this.options.now();
    for (const key of this.entries.keys()) this.current(key, now);
  }

  /** Keys with state (for tests). */
  get size(): number {
    return this.entries.size;
  }

  private current(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    const quietSince = Math.max(entry.lastFailure, entry.blockedUntil);
    if (now - quietSince >= this.forgetAfterMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
