import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** What a nonce presented back by a client turns out to be. */
export type NonceStatus = "valid" | "stale" | "invalid";

export interface NonceAuthorityOptions {
  /** Milliseconds, the clock of the registrar. */
  now: () => number;
  /** How long a nonce is accepted after it was issued. */
  ttlMs: number;
  /** HMAC key; random per process by default, which makes every nonce invalid after a restart. */
  secret?: Buffer;
}

const MAC_BYTES = 16;

/**
 * Issues digest nonces and checks them without remembering them: a nonce is
 * `issuedAt.random.mac` with an HMAC over the first two parts, so a forged or altered nonce is
 * refused and an old one is recognised as stale. Only the nonce counts of nonces that
 * authenticated a request are kept, to refuse replays, and only until the nonce goes stale.
 */
export class NonceAuthority {
  private readonly secret: Buffer;
  /** Highest nc accepted per nonce, with the moment the nonce goes stale. */
  private readonly counts = new Map<string, { nc: number; staleAt: number }>();

  constructor(private readonly options: NonceAuthorityOptions) {
    this.secret = options.secret ?? randomBytes(32);
  }

  issue(): string {
    const body = `${Math.max(0, Math.floor(this.options.now())).toString(36)}.${randomBytes(12).toString("base64url")}`;
    return `${body}.${this.mac(body)}`;
  }

  check(nonce: string): NonceStatus {
    const issuedAt = this.issuedAt(nonce);
    if (issuedAt === undefined) return "invalid";
    const age = this.options.now() - issuedAt;
    // A nonce from the future was not issued by this clock: a restart reset it, or it is forged.
    if (age < 0) return "invalid";
    return age > this.options.ttlMs ? "stale" : "valid";
  }

  /**
   * Records `nc` for a nonce whose digest was right; false when it does not exceed the highest
   * one seen with that nonce. RFC 2617 §3.2.2: "The purpose of this directive is to allow the
   * server to detect request replays by maintaining its own copy of this count - if the same
   * nc-value is seen twice, then the request is a replay."
   */
  acceptCount(nonce: string, nc: number): boolean {
    const seen = this.counts.get(nonce);
    if (seen !== undefined && nc <= seen.nc) return false;
    const issuedAt = this.issuedAt(nonce) ?? this.options.now();
    this.counts.set(nonce, { nc, staleAt: issuedAt + this.options.ttlMs });
    return true;
  }

  /** Forgets the counts of nonces that went stale: a stale nonce never authenticates again. */
  prune(): void {
    const now = this.options.now();
    for (const [nonce, entry] of this.counts) {
      if (entry.staleAt < now) this.counts.delete(nonce);
    }
  }

  /** Nonces whose counts are kept (for tests). */
  get trackedCount(): number {
    return this.counts.size;
  }

  private issuedAt(nonce: string): number | undefined {
    const parts = nonce.split(".");
    if (parts.length !== 3) return undefined;
    const [time, random, mac] = parts as [string, string, string];
    if (!/^[0-9a-z]{1,11}$/.test(time) || random === "") return undefined;
    const expected = Buffer.from(this.mac(`${time}.${random}`), "base64url");
    const given = Buffer.from(mac, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return parseInt(time, 36);
  }

  private mac(body: string): string {
    return createHmac("sha256", this.secret)
      .update(body)
      .digest()
      .subarray(0, MAC_BYTES)
      .toString("base64url");
  }
}
