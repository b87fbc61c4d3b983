import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../test-support/test-db";
import { ServerLeaseService } from "./server-lease-service";

let test: TestDb;
beforeEach(async () => {
  test = await createTestDb();
  expect(test.url).toMatch(/^postgresql:/);
});
afterEach(() => test.cleanup());

describe("the HA pair's lease, on the database's clock", () => {
  it("one holder at a time: the other takes it only once it expired, with a new epoch that fences the old holder", async () => {
    const a = new ServerLeaseService(test.db, "ctl-a", 400);
    const b = new ServerLeaseService(test.db, "ctl-b", 400);
    const epochA = await a.tryAcquire();
    expect(epochA).toBe(1);
    expect(await b.tryAcquire()).toBeNull();
    expect(await b.holder()).toMatchObject({ holder: "ctl-a", epoch: 1 });
    expect(await a.renew(epochA!)).toBe(true);
    expect(await b.tryAcquire()).toBeNull();

    // ctl-a stops renewing: once the lease expired, ctl-b gets it.
    await expect.poll(() => b.tryAcquire(), { timeout: 2_000, interval: 50 }).toBe(2);
    expect(await a.renew(epochA!)).toBe(false);
    expect(await a.tryAcquire()).toBeNull();
    expect(await a.holder()).toMatchObject({ holder: "ctl-b", epoch: 2 });
  });

  it("a restarted holder takes its own lease back at once; a release frees it for the other", async () => {
    const a = new ServerLeaseService(test.db, "ctl-a", 60_000);
    const b = new ServerLeaseService(test.db, "ctl-b", 60_000);
    expect(await a.tryAcquire()).toBe(1);
    // ctl-a restarted (same HA_NODE) before its lease expired.
    expect(await a.tryAcquire()).toBe(2);
    expect(await a.renew(1)).toBe(false);
    expect(await b.tryAcquire()).toBeNull();
    await a.release(2);
    expect(await a.holder()).toBeNull();
    expect(await b.tryAcquire()).toBe(3);
  });
});
