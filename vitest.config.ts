import fs from "node:fs";
import path from "node:path";
import { defineConfig } from "vitest/config";

const include = ["{common,protocol,sip-core,server,media-engine,recorder,cli,scripts}/**/*.test.ts"];
/** Tests about PostgreSQL alone (its migrations, its cluster): they run in that project only. */
const postgresqlOnly = "**/*.postgresql.test.ts";

/**
 * The test files that use a database: every one that creates a test database or starts the
 * server process. Found by what they call, so a new database test runs on PostgreSQL too without
 * anyone listing it here.
 */
function databaseTestFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules") walk(full);
      } else if (
        entry.name.endsWith(".test.ts") &&
        /\b(createTestDb|createDemoDb|startTestServer|useTestStackOnBothDatabases)\(/.test(
          fs.readFileSync(full, "utf8"),
        )
      ) {
        found.push(full);
      }
    }
  };
  for (const dir of [
    "common",
    "protocol",
    "sip-core",
    "server",
    "media-engine",
    "recorder",
    "cli",
    "scripts",
  ]) {
    walk(path.join(import.meta.dirname, dir));
  }
  return found.map((file) => path.relative(import.meta.dirname, file));
}

export default defineConfig({
  test: {
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests spawn real processes on fixed loopback ports: files run one at a time.
    fileParallelism: false,
    projects: [
      {
        extends: true,
        test: {
          name: "sqlite",
          include,
          exclude: [postgresqlOnly, "**/node_modules/**"],
          // The projects run one after the other (same fixed ports): SQLite first.
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "postgresql",
          include: [...databaseTestFiles(), postgresqlOnly.replace("**", "{scripts,server,cli}/**")],
          globalSetup: ["server/test-support/postgresql-global-setup.ts"],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
