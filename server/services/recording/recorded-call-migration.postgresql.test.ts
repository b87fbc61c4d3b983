import pg from "pg";
import { expect, it } from "vitest";
import { createDb } from "../db";
import { createTestPostgresDatabase } from "../../test-support/test-db";
import {
  expectBackfilled,
  migrationsAroundBackfill,
  seedSessionsBeforeBackfill,
} from "../../test-support/recorded-call-backfill";

it("the recorded-calls migration sums up the sessions already saved into one call each (PostgreSQL)", async () => {
  const { url, drop } = await createTestPostgresDatabase({ template: false });
  const [before, backfill] = migrationsAroundBackfill("migrations-postgresql");
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const db = createDb(url);
  try {
    for (const sql of before) await run(sql);
    await seedSessionsBeforeBackfill(db);
    await run(backfill);
    await expectBackfilled(db);
    expect(await db.recordedCall.count()).toBe(2);
  } finally {
    await db.$disconnect();
    await drop();
  }
});
