import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { inject } from "vitest";
import { type Db, createDb } from "../services/db";

const migrationsDir = path.resolve(import.meta.dirname, "../../prisma/migrations");

export type TestDb = { db: Db; url: string; dir: string; cleanup: () => Promise<void> };

/**
 * A fresh database with every checked-in migration applied, so service tests run against the
 * real schema, not a mock: a SQLite file in a temporary folder, or in the "postgresql" vitest
 * project a copy of the migrated template database on the throw-away cluster. `dir` is a
 * temporary folder in both cases (for the files a server keeps beside its data).
 */
export async function createTestDb(): Promise<TestDb> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-test-"));
  const postgres = inject("postgresql");
  let url: string;
  let drop = async () => {};
  if (postgres) {
    ({ url, drop } = await createTestPostgresDatabase({ template: true }));
  } else {
    const file = path.join(dir, "test.db");
    applySqliteMigrations(file);
    url = `file:${file}`;
  }
  const db = createDb(url);
  return {
    db,
    url,
    dir,
    cleanup: async () => {
      await db.$disconnect();
      await drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates the SQLite file with every checked-in SQLite migration applied. */
export function applySqliteMigrations(file: string): void {
  const sqlite = new Database(file);
  try {
    for (const entry of fs.readdirSync(migrationsDir).sort()) {
      const sql = path.join(migrationsDir, entry, "migration.sql");
      if (fs.existsSync(sql)) sqlite.exec(fs.readFileSync(sql, "utf8"));
    }
  } finally {
    sqlite.close();
  }
}

/**
 * A new database on the "postgresql" project's throw-away cluster: a copy of the migrated
 * template, or empty (for tests that migrate it themselves). `drop` removes it, closing any
 * connection still open (a killed server's).
 */
export async function createTestPostgresDatabase(opts: { template: boolean }) {
  const postgres = inject("postgresql");
  if (!postgres) throw new Error("createTestPostgresDatabase runs only in the postgresql vitest project");
  const name = `test_${crypto.randomBytes(6).toString("hex")}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: postgres.adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}${opts.template ? ` TEMPLATE ${postgres.template}` : ""}`);
  return {
    url: postgres.clusterUrl + name,
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
