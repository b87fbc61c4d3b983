import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { DEFAULT_DATABASE_URL, databaseKindOf } from "./common/database-url";
import { migrationPgAdapter } from "./prisma/migration-pg-adapter";

// The JS engine with a driver adapter lets the Prisma CLI migrate without downloading a native
// schema engine (this project installs offline). DATABASE_URL picks the database, and with it
// the schema (one client per provider) and the migrations folder (SQL differs per provider).
const url = process.env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL;
const kind = databaseKindOf(url);
if (kind === null) {
  throw new Error(
    `DATABASE_URL must be a SQLite URL such as file:./data/forkline.db or a PostgreSQL URL such as postgresql://host/forkline (got ${url})`,
  );
}

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  ...(kind === "sqlite"
    ? {
        schema: path.join("prisma", "schema.prisma"),
        migrations: { path: path.join("prisma", "migrations") },
        async adapter() {
          return new PrismaBetterSQLite3({ url });
        },
      }
    : {
        schema: path.join("prisma", "postgresql", "schema.prisma"),
        migrations: { path: path.join("prisma", "migrations-postgresql") },
        async adapter() {
          return migrationPgAdapter(url);
        },
      }),
});
