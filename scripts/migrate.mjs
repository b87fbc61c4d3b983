#!/usr/bin/env node
// Applies the checked-in Prisma migrations to the database named by DATABASE_URL
// (default file:./data/forkline.db): prisma/migrations for SQLite, prisma/migrations-postgresql
// for PostgreSQL (prisma.config.ts picks them by the URL). Run by `npm install` (postinstall)
// and by `npm start`.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// This script runs before any env module can be loaded (it prepares what they need),
// so it reads the one variable it needs and checks it itself.
const url = process.env.DATABASE_URL?.trim() || "file:./data/forkline.db";
// The same test as common/database-url.ts, which this plain script cannot import.
const sqlite = url.startsWith("file:");
if (!sqlite && !/^postgres(ql)?:\/\//.test(url)) {
  console.error(
    `migrate: DATABASE_URL must be a SQLite URL such as file:./data/forkline.db or a PostgreSQL URL such as postgresql://forkline:secret@127.0.0.1:5432/forkline (got ${url})`,
  );
  process.exit(78);
}
if (sqlite) fs.mkdirSync(path.dirname(path.resolve(url.slice("file:".length))), { recursive: true });
const prisma = path.join(root, "node_modules", ".bin", "prisma");
const result = spawnSync(prisma, ["migrate", "deploy"], {
  cwd: root,
  env: { ...process.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
  encoding: "utf8",
});
if (result.status !== 0) {
  process.stderr.write(result.stdout ?? "");
  process.stderr.write(result.stderr ?? "");
  console.error("migrate: prisma migrate deploy failed");
  process.exit(result.status ?? 1);
}
const applied = /(\d+) migrations? found/.exec(result.stdout ?? "");
if (process.env.FORKLINE_QUIET_MIGRATE !== "1") {
  console.log(
    `migrate: database ${redacted(url)} is up to date${applied ? ` (${applied[1]} migrations)` : ""}`,
  );
}

/** The URL without its password: the launcher's output ends up in logs. */
function redacted(/** @type {string} */ databaseUrl) {
  return databaseUrl.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@/]*@/, "$1:***@");
}
