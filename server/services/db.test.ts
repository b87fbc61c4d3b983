import { afterEach, expect, it } from "vitest";
import { isPostgresql, prepareDb } from "./db";
import { createTestDb, type TestDb } from "../test-support/test-db";

let test: TestDb | undefined;
afterEach(async () => {
  await test?.cleanup();
  test = undefined;
});

it("prepareDb puts SQLite in WAL mode with full sync (kept in the file), and leaves PostgreSQL alone; twice is harmless", async () => {
  test = await createTestDb();
  await prepareDb(test.db);
  await prepareDb(test.db);
  if (isPostgresql(test.db)) {
    await expect(test.db.$queryRawUnsafe("SELECT 1 AS one")).resolves.toEqual([{ one: 1 }]);
    return;
  }
  expect(await test.db.$queryRawUnsafe("PRAGMA journal_mode")).toEqual([{ journal_mode: "wal" }]);
  expect(await test.db.$queryRawUnsafe("PRAGMA synchronous")).toEqual([{ synchronous: 2n }]);
  // A write is still read back after a reconnect (the mode is in the file, the data in the WAL).
  await test.db.auditEvent.create({ data: { actor: "t", action: "a", entity: "e", entityId: "1" } });
  await test.db.$disconnect();
  expect(await test.db.auditEvent.count()).toBe(1);
  expect(await test.db.$queryRawUnsafe("PRAGMA journal_mode")).toEqual([{ journal_mode: "wal" }]);
});
