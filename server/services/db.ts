import fs from "node:fs";
import path from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "../../generated/prisma";

export type Db = PrismaClient;

/** Path of the SQLite file behind a `file:` URL, relative to the working directory. */
export function sqlitePathFromUrl(url: string): string {
  return path.resolve(url.replace(/^file:/, ""));
}

export function createDb(databaseUrl: string): Db {
  const file = sqlitePathFromUrl(databaseUrl);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const adapter = new PrismaBetterSQLite3({ url: `file:${file}` });
  return new PrismaClient({ adapter });
}
