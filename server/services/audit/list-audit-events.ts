import type { Prisma } from "../../../generated/prisma";
import type { AuditFilter } from "../../../common/schemas/config-schemas";
import type { Db } from "../db";
import { type AuditChange, auditChanges } from "./audit-changes";

export type AuditEventView = {
  id: string;
  at: Date;
  /** As written: "dana (API token)". */
  actor: string;
  /** Who: the username (rows older than the column: taken from `actor` by the migration). */
  actorUsername: string;
  /** The person's name where known (the agent login bound to them), null otherwise. */
  actorName: string | null;
  /** Whether the change came through an API token. */
  viaApiToken: boolean;
  action: string;
  entity: string;
  entityId: string;
  /** The object's number or name when the event was written; its id where none was kept. */
  entityName: string;
  before: unknown;
  after: unknown;
  /** Only the fields that changed, secrets as "changed". */
  changes: AuditChange[];
};

type AuditRow = Prisma.AuditEventGetPayload<object>;

export function toAuditEventView(row: AuditRow): AuditEventView {
  const before = row.before === null ? null : parseJson(row.before);
  const after = row.after === null ? null : parseJson(row.after);
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    actorUsername: row.actorUsername ?? row.actor.replace(/ \(API token\)$/, ""),
    actorName: row.actorName,
    viaApiToken: row.actor.endsWith(" (API token)"),
    action: row.action,
    entity: row.entity,
    entityId: row.entityId,
    entityName: row.entityName ?? row.entityId,
    before,
    after,
    changes: auditChanges(before, after),
  };
}

/** A snapshot that is not JSON (hand-edited row) is shown as the text it is, not a crash. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The filters as a query: each one uses an index (see AuditEvent in prisma/schema.prisma). */
export function auditWhere(filter: AuditFilter): Prisma.AuditEventWhereInput {
  const and: Prisma.AuditEventWhereInput[] = [];
  if (filter.actor) and.push({ actorUsername: filter.actor });
  if (filter.action) and.push({ action: filter.action });
  if (filter.entity) and.push({ entity: filter.entity });
  if (filter.entityId) and.push({ OR: [{ entityName: filter.entityId }, { entityId: filter.entityId }] });
  if (filter.from) and.push({ at: { gte: filter.from } });
  if (filter.to) and.push({ at: { lte: filter.to } });
  return and.length === 0 ? {} : { AND: and };
}

/** Newest first; `page` counts from 0. */
export async function listAuditEvents(
  db: Db,
  opts: AuditFilter & { limit: number; page?: number },
): Promise<AuditEventView[]> {
  const rows = await db.auditEvent.findMany({
    where: auditWhere(opts),
    orderBy: [{ at: "desc" }, { id: "desc" }],
    skip: (opts.page ?? 0) * opts.limit,
    take: opts.limit,
  });
  return rows.map(toAuditEventView);
}

/** One page of the log with the number of events the filters match, for the page's pager. */
export async function pageAuditEvents(db: Db, opts: AuditFilter & { limit: number; page: number }) {
  const [events, total] = await Promise.all([
    listAuditEvents(db, opts),
    db.auditEvent.count({ where: auditWhere(opts) }),
  ]);
  return { events, total, page: opts.page, limit: opts.limit };
}

/**
 * What the filters offer: the actions and the people found in the log (deleted users too), by
 * GROUP BY on indexed columns (Prisma's `distinct` would read every row); a person's name is the
 * one Forkline knows now (their agent login's), else none.
 */
export async function auditFacets(db: Db) {
  const [actions, people, named] = await Promise.all([
    db.auditEvent.groupBy({ by: ["action"], orderBy: { action: "asc" } }),
    db.auditEvent.groupBy({
      by: ["actorUsername"],
      where: { actorUsername: { not: null } },
      orderBy: { actorUsername: "asc" },
    }),
    db.user.findMany({
      where: { agentLogin: { isNot: null } },
      select: { username: true, agentLogin: { select: { name: true } } },
    }),
  ]);
  const names = new Map(named.map((u) => [u.username, u.agentLogin?.name.trim() || null]));
  return {
    actions: actions.map((a) => a.action),
    people: people.map((p) => ({
      username: p.actorUsername ?? "",
      name: names.get(p.actorUsername ?? "") ?? null,
    })),
  };
}
