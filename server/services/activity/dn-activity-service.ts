import { type ActivityEvent, describeEvent } from "../../../common/cti-activity";
import type { TEvent } from "../../cti/t-library-events";
import type { Actor } from "../actor";
import { withRequesterRole } from "../agents/requester-roles";
import { agentBinding, assertOwnExtension } from "../auth/softphone-access";
import type { Db } from "../db";

/** How many events a DN keeps, and for how long: an agent's day at most. */
export const DN_ACTIVITY_KEEP = 200;
export const DN_ACTIVITY_MAX_AGE_MS = 24 * 3_600_000;

export type DnActivityLimits = {
  keep: number;
  maxAgeMs: number;
  /**
   * A DN is pruned to `keep` once it has had this many new events since its last prune: one
   * query per DN per event would cost more than the events at a busy hour. Readers never see
   * the slack (`dnActivityOf` takes the newest `keep`).
   */
  pruneEvery: number;
  now: () => number;
};

const DEFAULT_LIMITS: DnActivityLimits = {
  keep: DN_ACTIVITY_KEEP,
  maxAgeMs: DN_ACTIVITY_MAX_AGE_MS,
  pruneEvery: 20,
  now: Date.now,
};

/** The events the activity list puts in words; the others (EventACK, routing points) are not kept. */
function readable(event: TEvent): boolean {
  return describeEvent(event, undefined, { me: "" }) !== null;
}

/**
 * The softphone's activity list kept server-side (issue 17 §9), so an agent who reloads the page,
 * or whose server restarted, still sees what happened on their extension today. Fed every
 * T-Library event this instance publishes (each instance of an HA pair writes its own, once);
 * writes are queued and made one batch at a time in publishing order, so a burst of call events
 * costs one INSERT, not one per event. A failed write is reported (counted) and the events lost:
 * the live list in open softphones is unaffected.
 */
export class DnActivityRecorder {
  private readonly limits: DnActivityLimits;
  private queue: TEvent[] = [];
  private scheduled = false;
  private chain: Promise<void> = Promise.resolve();
  private readonly sincePrune = new Map<string, number>();
  private lastAgePrune = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly db: Db,
    private readonly report: (error: unknown) => void,
    limits: Partial<DnActivityLimits> = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  record(event: TEvent): void {
    if (!readable(event)) return;
    this.queue.push(event);
    if (this.scheduled) return;
    this.scheduled = true;
    this.chain = this.chain.then(() => this.writeQueued());
  }

  /** Resolves once every event recorded so far is written (or its failure reported). */
  flush(): Promise<void> {
    return this.chain;
  }

  private async writeQueued(): Promise<void> {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    try {
      await this.write(batch);
    } catch (error) {
      this.report(error);
    }
  }

  private async write(batch: TEvent[]): Promise<void> {
    const withRole = withRequesterRole(this.db);
    const events = await Promise.all(batch.map(withRole));
    await this.db.dnActivity.createMany({
      data: events.map((e) => ({
        dn: e.thisDn,
        eventId: e.id,
        event: e.event,
        at: e.time,
        otherDn: e.otherDn,
        connId: e.connId,
        agentId: e.agentId,
        userData: JSON.stringify(e.userData),
        error: e.error === undefined ? null : JSON.stringify(e.error),
      })),
    });
    const { keep, maxAgeMs, pruneEvery, now } = this.limits;
    for (const e of events) this.sincePrune.set(e.thisDn, (this.sincePrune.get(e.thisDn) ?? 0) + 1);
    for (const [dn, count] of this.sincePrune) {
      if (count < pruneEvery) continue;
      this.sincePrune.delete(dn);
      const [oldestKept] = await this.db.dnActivity.findMany({
        where: { dn },
        orderBy: { id: "desc" },
        skip: keep - 1,
        take: 1,
        select: { id: true },
      });
      if (oldestKept !== undefined)
        await this.db.dnActivity.deleteMany({ where: { dn, id: { lt: oldestKept.id } } });
    }
    // Age is pruned for every DN at once, through the `at` index, at most every 1/100 of the age.
    if (now() - this.lastAgePrune >= maxAgeMs / 100) {
      this.lastAgePrune = now();
      await this.db.dnActivity.deleteMany({ where: { at: { lt: new Date(now() - maxAgeMs) } } });
    }
  }
}

/** A DN's kept events, oldest first: the newest `keep` within `maxAgeMs`. */
export async function dnActivityOf(
  db: Db,
  dn: string,
  limits: Pick<DnActivityLimits, "keep" | "maxAgeMs" | "now"> = DEFAULT_LIMITS,
): Promise<ActivityEvent[]> {
  const rows = await db.dnActivity.findMany({
    where: { dn, at: { gte: new Date(limits.now() - limits.maxAgeMs) } },
    orderBy: { id: "desc" },
    take: limits.keep,
  });
  return rows.reverse().map((row) => ({
    id: row.eventId,
    event: row.event,
    seq: row.id,
    time: row.at,
    thisDn: row.dn,
    otherDn: row.otherDn,
    connId: row.connId,
    agentId: row.agentId,
    userData: JSON.parse(row.userData) as Record<string, string>,
    ...(row.error === null ? {} : { error: JSON.parse(row.error) as { code: string; message: string } }),
  }));
}

/** The activity of a DN for the softphone: an agent's own extension only. */
export async function dnActivityFor(db: Db, actor: Actor, dn: string): Promise<ActivityEvent[]> {
  assertOwnExtension(await agentBinding(db, actor), dn);
  return dnActivityOf(db, dn);
}
