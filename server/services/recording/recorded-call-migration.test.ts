import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, expect, it } from "vitest";
import { createDb } from "../db";
import {
  expectBackfilled,
  migrationsAroundBackfill,
  seedSessionsBeforeBackfill,
} from "../../test-support/recorded-call-backfill";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-backfill-"));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

it("the recorded-calls migration sums up the sessions already saved into one call each (SQLite)", async () => {
  const file = path.join(dir, "db.sqlite");
  const [before, backfill] = migrationsAroundBackfill("migrations");
  const sqlite = new Database(file);
  for (const sql of before) sqlite.exec(sql);
  sqlite.close();
  const db = createDb(`file:${file}`);
  try {
    await seedSessionsBeforeBackfill(db);
    const migrated = new Database(file);
    migrated.exec(backfill);
    expect(migrated.prepare("pragma foreign_key_check").all()).toEqual([]);
    migrated.close();
    await expectBackfilled(db);
  } finally {
    await db.$disconnect();
  }
});
