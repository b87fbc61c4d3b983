#!/usr/bin/env node
// `prisma generate` for both databases: Prisma compiles a client per provider, so SQLite gets
// generated/prisma and PostgreSQL generated/prisma-postgresql (from prisma/postgresql/schema.prisma,
// rewritten here from prisma/schema.prisma first). DATABASE_URL is always set: without it the
// Prisma 6 CLI falls back to downloading a native query engine, which fails on a machine with no
// internet. With it, the JS engine (`engineType = "client"`) needs nothing beyond node_modules;
// prisma.config.ts picks the schema by it. Nothing connects to the databases named here.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { writePostgresqlSchema } from "./postgresql-schema.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
if (writePostgresqlSchema())
  console.log("prisma: prisma/postgresql/schema.prisma rewritten from prisma/schema.prisma");

const clients = [
  { url: "file:./data/forkline.db", output: "generated/prisma" },
  { url: "postgresql://localhost/forkline", output: "generated/prisma-postgresql" },
];
for (const { url, output } of clients) {
  const result = spawnSync(path.join(root, "node_modules", ".bin", "prisma"), ["generate"], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
    encoding: "utf8",
  });
  if (result.status !== 0) {
    process.stdout.write(result.stdout ?? "");
    console.error(`prisma generate (${output}) failed`);
    process.exit(result.status ?? 1);
  }
  console.log(`prisma: client generated in ${output}`);
}
