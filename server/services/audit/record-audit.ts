import type { Prisma } from "../../../generated/prisma";
import { type Actor, actorLabel } from "../actor";

export type AuditEntry = {
  action: string;
  entity: string;
  entityId: string;
  before?: unknown;
  after?: unknown;
};

/** Written in the same transaction as the change, so the log never disagrees with the data. */
export async function recordAudit(
  tx: Prisma.TransactionClient,
  actor: Actor,
  entry: AuditEntry,
): Promise<void> {
  await tx.auditEvent.create({
    data: {
      actor: actorLabel(actor),
      action: entry.action,
      entity: entry.entity,
      entityId: entry.entityId,
      before: entry.before === undefined ? null : JSON.stringify(entry.before),
      after: entry.after === undefined ? null : JSON.stringify(entry.after),
    },
  });
}
