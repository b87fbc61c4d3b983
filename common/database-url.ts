import path from "node:path";

/**
 * Which database a DATABASE_URL names. SQLite (`file:`) is the embedded default; PostgreSQL
 * (`postgresql://` or `postgres://`, as libpq and `pg` accept both) is for production.
 * scripts/migrate.mjs repeats this test in plain JavaScript because it runs before TypeScript can.
 */
export type DatabaseKind = "sqlite" | "postgresql";

export const DEFAULT_DATABASE_URL = "file:./data/forkline.db";

export function databaseKindOf(url: string): DatabaseKind | null {
  if (url.startsWith("file:")) return "sqlite";
  if (/^postgres(ql)?:\/\//.test(url)) return "postgresql";
  return null;
}

/** Path of the SQLite file behind a `file:` URL, relative to the working directory. */
export function sqlitePathFromUrl(url: string): string {
  return path.resolve(url.replace(/^file:/, ""));
}

/**
 * The folder for the files Forkline keeps on this machine (the local CLI's API token, the
 * first-start credentials): DATA_DIR when set, else the SQLite file's folder, else ./data for
 * PostgreSQL, which has no file of its own here.
 */
export function localDataDir(url: string, dataDir?: string): string {
  if (dataDir) return path.resolve(dataDir);
  return databaseKindOf(url) === "sqlite" ? path.dirname(sqlitePathFromUrl(url)) : path.resolve("data");
}
