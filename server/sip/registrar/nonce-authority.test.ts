import { describe, expect, it } from "vitest";
import { NonceAuthority } from "./nonce-authority";

function authority(start = 5_000): { nonces: NonceAuthority; clock: { now: number } } {
  const clock = { now: start };
  return { nonces: new NonceAuthority({ now: () => clock.now, ttlMs: 300_000 }), clock };
}

describe("NonceAuthority", () => {
  it("accepts its own nonces until the TTL, then calls them stale", () => {
    const { nonces, clock } = authority();
    const nonce = nonces.issue();
    expect(nonces.check(nonce)).toBe("valid");
    clock.now += 300_000;
    expect(nonces.check(nonce)).toBe("valid");
    clock.now += 1;
    expect(nonces.check(nonce)).toBe("stale");
  });

  it("refuses altered, foreign and malformed nonces", () => {
    const { nonces } = authority();
    const nonce = nonces.issue();
    const [time, random, mac] = nonce.split(".") as [string, string, string];
    expect(nonces.check(`${(parseInt(time, 36) + 1).toString(36)}.${random}.${mac}`)).toBe("invalid");
    expect(nonces.check(`${time}.${random}x.${mac}`)).toBe("invalid");
    expect(nonces.check(authority().nonces.issue())).toBe("invalid");
    expect(nonces.check("nonsense")).toBe("invalid");
    expect(nonces.check("")).toBe("invalid");
  });

  it("refuses a nonce issued in its future", () => {
    const { nonces, clock } = authority();
    const nonce = nonces.issue();
    clock.now -= 1_000;
    expect(nonces.check(nonce)).toBe("invalid");
  });

  it("accepts only increasing nonce counts, and forgets them once the nonce is stale", () => {
    const { nonces, clock } = authority();
    const nonce = nonces.issue();
    expect(nonces.acceptCount(nonce, 1)).toBe(true);
    expect(nonces.acceptCount(nonce, 1)).toBe(false);
    expect(nonces.acceptCount(nonce, 3)).toBe(true);
    expect(nonces.acceptCount(nonce, 2)).toBe(false);
    nonces.prune();
    expect(nonces.trackedCount).toBe(1);
    clock.now += 300_001;
    nonces.prune();
    expect(nonces.trackedCount).toBe(0);
  });
});
