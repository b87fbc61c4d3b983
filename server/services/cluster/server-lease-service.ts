import type { Db } from "../db";

/** The one lease of an HA pair: whoever holds it serves SIP on the shared address. */
const LEASE = "sip-server";

/** The database's clock in UTC, as Prisma stores DateTime in PostgreSQL (timestamp(3), UTC). */
const DB_NOW = `(clock_timestamp() AT TIME ZONE 'UTC')`;

export type LeaseHolder = { holder: string; epoch: number; expiresInMs: number };

/**
 * The HA pair's lease in PostgreSQL (HA requires it: env refuses HA_NODE on SQLite). Every
 * comparison uses the database's clock, so the hosts' clocks need not agree; only their
 * rates must (the holder stops serving on its own timer before the database lets another
 * instance take over — see HaMembership).
 */
export class ServerLeaseService {
  constructor(
    private readonly db: Db,
    /** HA_NODE of this instance. */
    private readonly node: string,
    private readonly leaseMs: number,
  ) {}

  /**
   * Takes the lease if it is free, expired or already ours (this instance restarted before it
   * expired); returns the new epoch, or null when another instance holds it.
   */
  async tryAcquire(): Promise<number | null> {
    const rows = await this.db.$queryRawUnsafe<{ epoch: number }[]>(
      `INSERT INTO "ServerLease" ("name", "holder", "epoch", "expiresAt")
       VALUES ($1, $2, 1, ${DB_NOW} + $3 * interval '1 millisecond')
       ON CONFLICT ("name") DO UPDATE
         SET "holder" = EXCLUDED."holder", "epoch" = "ServerLease"."epoch" + 1, "expiresAt" = EXCLUDED."expiresAt"
         WHERE "ServerLease"."expiresAt" < ${DB_NOW} OR "ServerLease"."holder" = EXCLUDED."holder"
       RETURNING "epoch"`,
      LEASE,
      this.node,
      this.leaseMs,
    );
    return rows[0]?.epoch ?? null;
  }

  /** Extends the lease of this epoch; false when it is no longer ours (another instance took it). */
  async renew(epoch: number): Promise<boolean> {
    const changed = await this.db.$executeRawUnsafe(
      `UPDATE "ServerLease" SET "expiresAt" = ${DB_NOW} + $3 * interval '1 millisecond'
       WHERE "name" = $1 AND "holder" = $2 AND "epoch" = $4`,
      LEASE,
      this.node,
      this.leaseMs,
      epoch,
    );
    return changed === 1;
  }

  /** Gives the lease up at once (a clean stop), so the other instance need not wait for it to expire. */
  async release(epoch: number): Promise<void> {
    await this.db.$executeRawUnsafe(
      `UPDATE "ServerLease" SET "expiresAt" = ${DB_NOW} - interval '1 millisecond'
       WHERE "name" = $1 AND "holder" = $2 AND "epoch" = $3`,
      LEASE,
      this.node,
      epoch,
    );
  }

  /** Who holds the lease now, if anyone. */
  async holder(): Promise<LeaseHolder | null> {
    const rows = await this.db.$queryRawUnsafe<{ holder: string; epoch: number; ms: number | string }[]>(
      `SELECT "holder", "epoch", EXTRACT(EPOCH FROM ("expiresAt" - ${DB_NOW})) * 1000 AS "ms"
       FROM "ServerLease" WHERE "name" = $1`,
      LEASE,
    );
    const row = rows[0];
    if (row === undefined || Number(row.ms) <= 0) return null;
    return { holder: row.holder, epoch: row.epoch, expiresInMs: Number(row.ms) };
  }
}
