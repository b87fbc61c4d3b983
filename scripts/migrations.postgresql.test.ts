import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { applySqliteMigrations, createTestPostgresDatabase } from "../server/test-support/test-db";

// The two migration folders must build the same tables from the one data model: PostgreSQL's
// migrations are checked against prisma/postgresql/schema.prisma by Prisma itself, and SQLite's
// against PostgreSQL's, table by table, column by column and index by index.

const root = path.resolve(import.meta.dirname, "..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-migrations-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

type Column = { table: string; column: string; type: string; nullable: boolean; default: string | null };
type Index = { table: string; name: string; unique: boolean; columns: string };
type ForeignKey = { table: string; columns: string; references: string; onDelete: string; onUpdate: string };
type Shape = { columns: Column[]; indexes: Index[]; foreignKeys: ForeignKey[] };

/** SQLite's declared types, as PostgreSQL names Prisma's for the same scalar types. */
const SQLITE_TYPE: Record<string, string> = {
  TEXT: "text",
  DATETIME: "timestamp(3) without time zone",
  INTEGER: "integer",
  BOOLEAN: "boolean",
  REAL: "double precision",
};

/**
 * Defaults written the same way: PostgreSQL adds casts ('x'::text) that SQLite has not, and an
 * `@default(autoincrement())` is a sequence's nextval() there but no default in SQLite (an INTEGER
 * PRIMARY KEY AUTOINCREMENT numbers rows itself).
 */
const normalDefault = (value: string | null) =>
  value === null || /^nextval\(/i.test(value) ? null : value.replace(/::[a-z ]+$/, "").toUpperCase();

const sorted = <T>(rows: T[]) => rows.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

function sqliteShape(file: string): Shape {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_prisma%'",
      )
      .all() as { name: string }[];
    const shape: Shape = { columns: [], indexes: [], foreignKeys: [] };
    for (const { name: table } of tables) {
      const columns = db.prepare(`PRAGMA table_info("${table}")`).all() as {
        name: string;
        type: string;
        notnull: number;
        dflt_value: string | null;
        pk: number;
      }[];
      for (const c of columns) {
        shape.columns.push({
          table,
          column: c.name,
          type: SQLITE_TYPE[c.type] ?? `unmapped SQLite type ${c.type}`,
          nullable: c.notnull === 0 && c.pk === 0,
          default: normalDefault(c.dflt_value),
        });
      }
      const indexes = db.prepare(`PRAGMA index_list("${table}")`).all() as {
        name: string;
        unique: number;
        origin: string;
      }[];
      for (const index of indexes.filter((i) => i.origin !== "pk")) {
        const columnsOf = db.prepare(`PRAGMA index_info("${index.name}")`).all() as { name: string }[];
        shape.indexes.push({
          table,
          name: index.name,
          unique: index.unique === 1,
          columns: columnsOf.map((c) => c.name).join(","),
        });
      }
      const keys = db.prepare(`PRAGMA foreign_key_list("${table}")`).all() as {
        from: string;
        table: string;
        to: string;
        on_delete: string;
        on_update: string;
      }[];
      for (const k of keys) {
        shape.foreignKeys.push({
          table,
          columns: k.from,
          references: `${k.table}(${k.to})`,
          onDelete: k.on_delete,
          onUpdate: k.on_update,
        });
      }
    }
    return {
      columns: sorted(shape.columns),
      indexes: sorted(shape.indexes),
      foreignKeys: sorted(shape.foreignKeys),
    };
  } finally {
    db.close();
  }
}

async function postgresqlShape(url: string): Promise<Shape> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const columns = await client.query<{
      table: string;
      column: string;
      type: string;
      nullable: boolean;
      default: string | null;
    }>(`
      SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
             NOT a.attnotnull AS nullable, pg_get_expr(d.adbin, d.adrelid) AS default
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
        AND c.relname NOT LIKE '\\_prisma%'`);
    const indexes = await client.query<{ table: string; name: string; unique: boolean; columns: string }>(`
      SELECT t.relname AS table, i.relname AS name, x.indisunique AS unique,
             (SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)
              JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) AS columns
      FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND NOT x.indisprimary AND t.relname NOT LIKE '\\_prisma%'`);
    const keys = await client.query<{
      table: string;
      columns: string;
      references: string;
      onDelete: string;
      onUpdate: string;
    }>(`
      SELECT t.relname AS table,
             (SELECT string_agg(a.attname, ',') FROM unnest(k.conkey) AS c(attnum) JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = c.attnum) AS columns,
             r.relname || '(' || (SELECT string_agg(a.attname, ',') FROM unnest(k.confkey) AS c(attnum) JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum = c.attnum) || ')' AS references,
             CASE k.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' WHEN 'r' THEN 'RESTRICT' WHEN 'd' THEN 'SET DEFAULT' ELSE 'NO ACTION' END AS "onDelete",
             CASE k.confupdtype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' WHEN 'r' THEN 'RESTRICT' WHEN 'd' THEN 'SET DEFAULT' ELSE 'NO ACTION' END AS "onUpdate"
      FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE k.contype = 'f' AND n.nspname = 'public'`);
    return {
      columns: sorted(columns.rows.map((c) => ({ ...c, default: normalDefault(c.default) }))),
      indexes: sorted(indexes.rows),
      foreignKeys: sorted(keys.rows),
    };
  } finally {
    await client.end();
  }
}

describe("migrations of both databases", () => {
  it("PostgreSQL's migrations build exactly prisma/postgresql/schema.prisma", async () => {
    // With a driver adapter, Prisma replays the migrations on the database it is given (no
    // separate shadow database): an empty one, dropped afterwards.
    const empty = await createTestPostgresDatabase({ template: false });
    try {
      const diff = spawnSync(
        path.join(root, "node_modules/.bin/prisma"),
        [
          "migrate",
          "diff",
          "--from-migrations",
          "prisma/migrations-postgresql",
          "--to-schema-datamodel",
          "prisma/postgresql/schema.prisma",
          "--script",
          "--exit-code",
        ],
        {
          cwd: root,
          env: { ...process.env, DATABASE_URL: empty.url, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
          encoding: "utf8",
        },
      );
      // --exit-code: 0 no difference, 2 a difference (printed as the SQL that is missing), 1 error
      expect({
        status: diff.status,
        missing: diff.stdout.trim(),
        error: diff.status === 1 ? diff.stderr : "",
      }).toEqual({
        status: 0,
        missing: "-- This is an empty migration.",
        error: "",
      });
    } finally {
      await empty.drop();
    }
  }, 120_000);

  it("SQLite's migrations build the same tables, columns, indexes and foreign keys", async () => {
    const file = path.join(dir, "sqlite.db");
    applySqliteMigrations(file);
    const postgresql = inject("postgresql");
    if (!postgresql) throw new Error("runs in the postgresql project only");
    const [fromSqlite, fromPostgresql] = [sqliteShape(file), await postgresqlShape(postgresql.templateUrl)];
    expect(fromSqlite.columns.length).toBeGreaterThan(100);
    expect(fromSqlite).toEqual(fromPostgresql);
  });
});
