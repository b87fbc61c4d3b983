export interface AuthThrottleOptions {
  now: () => number;
  /** Failures within `windowMs` that start the first block. */
  maxFailures?: number;
  windowMs?: number;
  /** First block; each later one doubles, up to `maxBlockMs`. */
  blockMs?: number;
  maxBlockMs?: number;
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
 * Slows digest password guessing per source address, the idea of the web LoginThrottle (a
 * growing wait, cleared by a success) with the registrar's numbers: 5 failures in 60 s block the
 * source for 60 s. Once a source has been blocked, one more failure blocks it again for twice as
 * long (up to 15 min): a phone with a wrong password keeps retrying on its own, and each round of
 * its retries must not buy an attacker 5 fresh guesses. A success, or a quiet period as long as
 * the longest block, forgives. Kept in memory: a restart forgives too.
 */
export class AuthThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly blockMs: number;
  private readonly maxBlockMs: number;

  constructor(private readonly options: AuthThrottleOptions) {
    this.maxFailures = options.maxFailures ?? 5;
    this.windowMs = options.windowMs ?? 60_000;
    this.blockMs = options.blockMs ?? 60_000;
    this.maxBlockMs = options.maxBlockMs ?? 15 * 60_000;
  }

  /** Milliseconds the source must still wait, 0 when it may try. */
  blockedFor(source: string): number {
    const entry = this.entries.get(source);
    if (entry === undefined) return 0;
    return Math.max(0, entry.blockedUntil - this.options.now());
  }

  recordFailure(source: string): void {
    const now = this.options.now();
    const entry = this.current(source, now) ?? { failures: [], blocks: 0, blockedUntil: 0, lastFailure: now };
    entry.lastFailure = now;
    entry.failures = entry.failures.filter((at) => now - at < this.windowMs);
    entry.failures.push(now);
    if (entry.blocks > 0 || entry.failures.length >= this.maxFailures) {
      entry.blockedUntil = now + Math.min(this.maxBlockMs, this.blockMs * 2 ** entry.blocks);
      entry.blocks++;
      entry.failures = [];
    }
    this.entries.set(source, entry);
  }

  recordSuccess(source: string): void {
    this.entries.delete(source);
  }

  /** Drops the sources that were forgiven by time. */
  prune(): void {
    const now = this.options.now();
    for (const source of this.entries.keys()) this.current(source, now);
  }

  /** Sources with state (for tests). */
  get size(): number {
    return this.entries.size;
  }

  private current(source: string, now: number): Entry | undefined {
    const entry = this.entries.get(source);
    if (entry === undefined) return undefined;
    const quietSince = Math.max(entry.lastFailure, entry.blockedUntil);
    if (now - quietSince >= Math.max(this.windowMs, this.maxBlockMs)) {
      this.entries.delete(source);
      return undefined;
    }
    return entry;
  }
}
