import { type Db, isPostgresql } from "./db";

/**
 * A `contains` filter that ignores letter case on both databases. Prisma's `contains` is SQLite's
 * LIKE, which ignores the case of ASCII letters, but PostgreSQL's LIKE, which does not; there
 * `mode: "insensitive"` (ILIKE) gives the same result. The SQLite client's filter type has no
 * `mode`, hence the cast; the PostgreSQL client accepts it.
 */
export function containsText(db: Db, text: string): { contains: string } {
  return isPostgresql(db)
    ? ({ contains: text, mode: "insensitive" } as { contains: string })
    : { contains: text };
}
