import fs from "node:fs";
import path from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { databaseKindOf, sqlitePathFromUrl } from "../../common/database-url";
import { PrismaClient } from "../../generated/prisma";
import { PrismaClient as PostgresqlPrismaClient } from "../../generated/prisma-postgresql";

/**
 * The services' database client. Its type is the SQLite client's: Prisma generates one client per
 * provider, but both come from the same data model (prisma/postgresql/schema.prisma is derived
 * from prisma/schema.prisma, with no provider-specific types), so their model APIs are the same.
 */
export type Db = PrismaClient;

const postgresqlClients = new WeakSet<Db>();

/** Whether a client from createDb talks to PostgreSQL (for the few queries that must differ). */
export function isPostgresql(db: Db): boolean {
  return postgresqlClients.has(db);
}

export function createDb(databaseUrl: string): Db {
  switch (databaseKindOf(databaseUrl)) {
    case "sqlite": {
      const file = sqlitePathFromUrl(databaseUrl);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      return new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: `file:${file}` }) });
    }
    case "postgresql": {
      // Safe as Db: same models, fields and methods (see above); the one difference the services
      // see, case-sensitive `contains`, is handled where they search (see contains-text.ts).
      const db = new PostgresqlPrismaClient({
        adapter: new PrismaPg({ connectionString: databaseUrl }),
      }) as unknown as Db;
      postgresqlClients.add(db);
      return db;
    }
    case null:
      throw new Error(`DATABASE_URL must be a file: (SQLite) or postgresql:// URL, not ${databaseUrl}`);
  }
}

/**
 * Readies a client for the server's workload. SQLite: write-ahead logging. With SQLite's default
 * rollback journal every commit creates, syncs and deletes a journal file — 10–14 ms per
 * committed write on this project's CI machine, during which better-sqlite3 (synchronous) holds
 * the server's event loop, so SIP waits behind every row the calls write (established calls,
 * registrations and recordings are kept in the database since restarts must not lose them). In WAL
 * mode a commit appends to one file (0.01–0.07 ms measured), readers never block the writer, and
 * `synchronous` stays FULL: a commit survives a power cut as before. The mode is kept in the
 * database file; the `-wal` and `-shm` files beside it belong to it (copy all three, or use
 * `sqlite3 … ".backup"`, for a backup of a running server).
 */
export async function prepareDb(db: Db): Promise<void> {
  if (isPostgresql(db)) return;
  const [row] = await db.$queryRawUnsafe<{ journal_mode: string }[]>("PRAGMA journal_mode = WAL");
  if (row?.journal_mode !== "wal")
    throw new Error(`SQLite refused WAL mode (journal_mode ${row?.journal_mode})`);
}
