#!/usr/bin/env node
// prisma/schema.prisma (SQLite) is the one data model. Prisma compiles a client per database
// provider, so PostgreSQL gets its own schema file, derived from it here: the provider and the
// client's output folder change, nothing else. `node scripts/prisma-generate.mjs` rewrites it;
// scripts/postgresql-schema.test.ts fails when the checked-in copy is stale.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const sqliteSchemaPath = path.join(root, "prisma", "schema.prisma");
export const postgresqlSchemaPath = path.join(root, "prisma", "postgresql", "schema.prisma");

/** @param {string} sqliteSchema @returns {string} */
export function postgresqlSchemaFrom(sqliteSchema) {
  const replace = (/** @type {string} */ text, /** @type {RegExp} */ pattern, /** @type {string} */ by) => {
    if (!pattern.test(text)) throw new Error(`prisma/schema.prisma: expected to find ${pattern}`);
    return text.replace(pattern, by);
  };
  let schema = replace(sqliteSchema, /^(\s*provider\s*=\s*)"sqlite"/m, '$1"postgresql"');
  // One folder deeper than prisma/schema.prisma, so the output path gains one "../".
  schema = replace(
    schema,
    /^(\s*output\s*=\s*)"\.\.\/generated\/prisma"/m,
    '$1"../../generated/prisma-postgresql"',
  );
  return (
    "// GENERATED from prisma/schema.prisma by scripts/postgresql-schema.mjs: edit that file, then run\n" +
    "// `node scripts/prisma-generate.mjs`.\n" +
    schema
  );
}

/** Writes prisma/postgresql/schema.prisma; true when it changed. */
export function writePostgresqlSchema() {
  const next = postgresqlSchemaFrom(fs.readFileSync(sqliteSchemaPath, "utf8"));
  const current = fs.existsSync(postgresqlSchemaPath) ? fs.readFileSync(postgresqlSchemaPath, "utf8") : null;
  if (current === next) return false;
  fs.mkdirSync(path.dirname(postgresqlSchemaPath), { recursive: true });
  fs.writeFileSync(postgresqlSchemaPath, next);
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(
    writePostgresqlSchema()
      ? "prisma/postgresql/schema.prisma updated"
      : "prisma/postgresql/schema.prisma is up to date",
  );
}
