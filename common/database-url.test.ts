import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { databaseKindOf, localDataDir } from "./database-url";

describe("DATABASE_URL", () => {
  it("names SQLite by file: and PostgreSQL by postgresql:// or postgres://, nothing else", () => {
    expect(databaseKindOf("file:./data/forkline.db")).toBe("sqlite");
    expect(databaseKindOf("postgresql://u:p@db:5432/forkline?sslmode=require")).toBe("postgresql");
    expect(databaseKindOf("postgres://db/forkline")).toBe("postgresql");
    for (const url of ["mysql://db/forkline", "postgresql:forkline", "sqlite://x", "./forkline.db"]) {
      expect(databaseKindOf(url)).toBeNull();
    }
  });

  it("keeps local files beside a SQLite file, in ./data for PostgreSQL, or in DATA_DIR when set", () => {
    expect(localDataDir("file:/srv/forkline/forkline.db")).toBe("/srv/forkline");
    expect(localDataDir("postgresql://db/forkline")).toBe(path.resolve("data"));
    expect(localDataDir("file:/srv/forkline/forkline.db", "/var/lib/forkline")).toBe("/var/lib/forkline");
  });

  it("scripts/migrate.mjs refuses another database with exit code 78 and both accepted forms", () => {
    const result = spawnSync(
      process.execPath,
      [path.resolve(import.meta.dirname, "../scripts/migrate.mjs")],
      {
        env: { ...process.env, DATABASE_URL: "mysql://db/forkline" },
        encoding: "utf8",
      },
    );
    expect(result.status).toBe(78);
    expect(result.stderr).toContain("file:./data/forkline.db or a PostgreSQL URL such as postgresql://");
  });
});
