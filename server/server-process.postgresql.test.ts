import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestServer, startTestServer } from "./test-support/start-test-server";

// The real server process on PostgreSQL: an empty database of the throw-away cluster, migrated
// by scripts/migrate.mjs and filled by the server's first start, not a SQLite file beside it.

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ httpPort: 3143, adminPassword: "postgres-admin-1" });
}, 90_000);
afterAll(async () => {
  await server?.stop();
});

async function query<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: server.env.DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("server process with DATABASE_URL=postgresql://…", () => {
  it("runs on the migrated PostgreSQL database: health, sign-in, and the session stored there", async () => {
    expect(server.env.DATABASE_URL).toMatch(/^postgresql:\/\/.+\/test_[0-9a-f]+$/);
    const migrations = await query<{ migration_name: string; finished_at: Date | null }>(
      `SELECT migration_name, finished_at FROM _prisma_migrations`,
    );
    // Every migration of the PostgreSQL folder, each once.
    const folder = fs
      .readdirSync(path.resolve(import.meta.dirname, "../prisma/migrations-postgresql"), {
        withFileTypes: true,
      })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(folder[0]).toBe("20261203000000_init");
    expect(migrations.map((m) => m.migration_name).sort()).toEqual(folder);
    expect(migrations.every((m) => m.finished_at !== null)).toBe(true);

    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const login = await fetch(`${server.url}/api/trpc/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: { username: "admin", password: "postgres-admin-1" } }),
    });
    expect(login.status).toBe(200);
    const sessions = await query<{ username: string }>(
      `SELECT u.username FROM "Session" s JOIN "User" u ON u.id = s."userId"`,
    );
    expect(sessions).toEqual([{ username: "admin" }]);
    // The first start seeded the demo configuration into PostgreSQL.
    const dns = await query<{ number: string }>(
      `SELECT number FROM "Dn" WHERE type = 'extension' ORDER BY number`,
    );
    expect(dns.map((d) => d.number)).toEqual(["1001", "1002", "1003"]);
  });
});
