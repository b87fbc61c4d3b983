import type { Prisma } from "../../../generated/prisma";
import type { Actor } from "../actor";

/**
 * The names the audit log shows, resolved when an event is written (server/services/audit/
 * record-audit.ts): people and objects are shown by name, and an object deleted later keeps the
 * name it had.
 */

/** Names already looked up in a transaction: a bulk import audits thousands of rows in one. */
const actorNamesByTx = new WeakMap<object, Map<string, Promise<string | null>>>();

/** The person's name where Forkline knows one: the name of the agent login bound to the user. */
export function resolveActorName(tx: Prisma.TransactionClient, actor: Actor): Promise<string | null> {
  const userId = actor.userId;
  if (userId === null) return Promise.resolve(null);
  // Kept for one transaction only: the client itself (it has $transaction) lives as long as the
  // process, and a name may change meanwhile.
  if ("$transaction" in tx) return lookUpActorName(tx, userId);
  let known = actorNamesByTx.get(tx);
  if (!known) actorNamesByTx.set(tx, (known = new Map()));
  let name = known.get(userId);
  if (!name) {
    name = lookUpActorName(tx, userId);
    known.set(userId, name);
  }
  return name;
}

async function lookUpActorName(tx: Prisma.TransactionClient, userId: string): Promise<string | null> {
  const user = await tx.user.findUnique({
    where: { id: userId },
    select: { agentLogin: { select: { name: true } } },
  });
  return user?.agentLogin?.name.trim() || null;
}

/** Objects whose key is already what people call them (a DN's number, a recorder's name). */
const NAMED_BY_KEY = new Set(["Dn", "AgentLogin", "Recorder", "Setting"]);

export async function resolveEntityName(
  tx: Prisma.TransactionClient,
  entry: { entity: string; entityId: string; before?: unknown; after?: unknown },
): Promise<string | null> {
  if (NAMED_BY_KEY.has(entry.entity)) return entry.entityId;
  switch (entry.entity) {
    case "User":
      return (
        snapshotField(entry, "username") ??
        (await tx.user.findUnique({ where: { id: entry.entityId }, select: { username: true } }))?.username ??
        null
      );
    case "ApiToken":
      return (
        snapshotField(entry, "name") ??
        (await tx.apiToken.findUnique({ where: { id: entry.entityId }, select: { name: true } }))?.name ??
        null
      );
    case "RecordingSession": {
      const rec = await tx.recordingSession.findUnique({
        where: { id: entry.entityId },
        select: { dn: true, side: true },
      });
      return rec ? `${rec.dn || "?"} (${rec.side})` : null;
    }
    case "Alarm": {
      const alarm = await tx.alarm.findUnique({
        where: { id: entry.entityId },
        select: { kind: true, subject: true },
      });
      return alarm ? [alarm.kind, alarm.subject].filter(Boolean).join(" ") : null;
    }
    default:
      return null;
  }
}

function snapshotField(entry: { before?: unknown; after?: unknown }, key: string): string | null {
  for (const snapshot of [entry.after, entry.before]) {
    if (typeof snapshot === "object" && snapshot !== null) {
      const value = (snapshot as Record<string, unknown>)[key];
      if (typeof value === "string" && value !== "") return value;
    }
  }
  return null;
}
