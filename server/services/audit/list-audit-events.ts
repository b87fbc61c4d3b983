import type { Db } from "../db";

export type AuditEventView = {
  id: string;
  actor: string;
  action: string;
  entity: string;
  entityId: string;
  before: unknown;
  after: unknown;
  at: Date;
};

export async function listAuditEvents(
  db: Db,
  opts: { limit: number; entity?: string; entityId?: string },
): Promise<AuditEventView[]> {
  const rows = await db.auditEvent.findMany({
    where: { entity: opts.entity, entityId: opts.entityId },
    orderBy: { at: "desc" },
    take: opts.limit,
  });
  return rows.map((r) => ({
    ...r,
    before: r.before === null ? null : (JSON.parse(r.before) as unknown),
    after: r.after === null ? null : (JSON.parse(r.after) as unknown),
  }));
}
