import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { type Db, createDb } from "../services/db";

const migrationsDir = path.resolve(import.meta.dirname, "../../prisma/migrations");

/**
 * A fresh SQLite database in a temporary folder with every checked-in migration applied,
 * so service tests run against the real schema, not a mock.
 */
export function createTestDb(): { db: Db; url: string; dir: string; cleanup: () => Promise<void> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-test-"));
  const file = path.join(dir, "test.db");
  const sqlite = new Database(file);
  for (const entry of fs.readdirSync(migrationsDir).sort()) {
    const sql = path.join(migrationsDir, entry, "migration.sql");
    if (fs.existsSync(sql)) sqlite.exec(fs.readFileSync(sql, "utf8"));
  }
  sqlite.close();
  const url = `file:${file}`;
  const db = createDb(url);
  return {
    db,
    url,
    dir,
    cleanup: async () => {
      await db.$disconnect();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
