import type { Prisma } from "../../../generated/prisma";
import { type Actor, actorLabel } from "../actor";
import { resolveActorName, resolveEntityName } from "./audit-names";

export type AuditEntry = {
  action: string;
  entity: string;
  entityId: string;
  /**
   * The object's number or name, when the caller has it at hand; otherwise resolved here from the
   * snapshots or the row (before the transaction commits, so a deleted object keeps its name).
   */
  entityName?: string;
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
      actorUsername: actor.username,
      actorName: await resolveActorName(tx, actor),
      action: entry.action,
      entity: entry.entity,
      entityId: entry.entityId,
      entityName: entry.entityName ?? (await resolveEntityName(tx, entry)),
      before: entry.before === undefined ? null : JSON.stringify(entry.before),
      after: entry.after === undefined ? null : JSON.stringify(entry.after),
    },
  });
}
