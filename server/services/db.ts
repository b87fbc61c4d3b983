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
