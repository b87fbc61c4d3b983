#!/usr/bin/env node
// `prisma generate` with DATABASE_URL always set: without it the Prisma 6 CLI falls back to
// downloading a native query engine, which fails on a machine with no internet. With it, the
// JS engine (`engineType = "client"`) needs nothing beyond node_modules.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const result = spawnSync(path.join(root, "node_modules", ".bin", "prisma"), ["generate"], {
  cwd: root,
  stdio: ["ignore", "pipe", "inherit"],
  env: {
    ...process.env,
    DATABASE_URL: process.env.DATABASE_URL?.trim() || "file:./data/forkline.db",
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
  },
  encoding: "utf8",
});
if (result.status !== 0) {
  process.stdout.write(result.stdout ?? "");
  console.error("prisma generate failed");
  process.exit(result.status ?? 1);
}
console.log("prisma: client generated in generated/prisma");
