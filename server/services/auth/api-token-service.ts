import type { ApiTokenScope } from "../../../common/schemas/config-schemas";
import { isRole } from "../../../common/roles";
import { AppError, AppErrorCode } from "../../errors/app-error";
import type { Actor } from "../actor";
import { recordAudit } from "../audit/record-audit";
import type { Db } from "../db";
import { countApiTokenRefusal } from "./api-token-refusals";
import { createSecretToken, hashSecretToken } from "./secret-token";

const DAY_MS = 86_400_000;

export type CreateApiTokenInput = {
  name: string;
  username?: string;
  /** Days until it expires; null or left out: never (the local CLI's token, minted at bootstrap). */
  expiresInDays?: number | null;
  /** Left out: full. */
  scope?: ApiTokenScope;
};

export type ApiTokenCreated = { id: string; token: string; expiresAt: Date | null; scope: ApiTokenScope };

/** The token itself is returned this once; only its sha256 is kept. */
export async function createApiToken(
  db: Db,
  actor: Actor,
  input: CreateApiTokenInput,
): Promise<ApiTokenCreated> {
  const owner = input.username
    ? await db.user.findUnique({ where: { username: input.username } })
    : actor.userId
      ? await db.user.findUnique({ where: { id: actor.userId } })
      : null;
  if (!owner)
    throw new AppError(AppErrorCode.NOT_FOUND, "No such user for the API token.", { field: "username" });
  const scope = input.scope ?? "full";
  const expiresAt =
    input.expiresInDays === undefined || input.expiresInDays === null
      ? null
      : new Date(Date.now() + input.expiresInDays * DAY_MS);
  const { token, hash } = createSecretToken("flt");
  return db.$transaction(async (tx) => {
    const row = await tx.apiToken.create({
      data: { name: input.name, tokenHash: hash, userId: owner.id, expiresAt, scope },
    });
    await recordAudit(tx, actor, {
      action: "apiToken.create",
      entity: "ApiToken",
      entityId: row.id,
      entityName: row.name,
      after: { name: row.name, user: owner.username, scope, expiresAt: expiresAt?.toISOString() ?? "never" },
    });
    return { id: row.id, token, expiresAt, scope };
  });
}

export async function listApiTokens(db: Db) {
  const rows = await db.apiToken.findMany({ include: { user: true }, orderBy: { createdAt: "asc" } });
  const now = Date.now();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    username: r.user.username,
    role: r.user.role,
    scope: asScope(r.scope),
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    expired: r.expiresAt !== null && r.expiresAt.getTime() <= now,
    lastUsedAt: r.lastUsedAt,
  }));
}

export async function revokeApiToken(db: Db, actor: Actor, id: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const row = await tx.apiToken.findUnique({ where: { id }, include: { user: true } });
    if (!row) throw new AppError(AppErrorCode.NOT_FOUND, "No such API token.");
    await tx.apiToken.delete({ where: { id } });
    await recordAudit(tx, actor, {
      action: "apiToken.revoke",
      entity: "ApiToken",
      entityId: id,
      entityName: row.name,
      before: { name: row.name, user: row.user.username, scope: row.scope },
    });
  });
}

const asScope = (value: string): ApiTokenScope => (value === "read-only" ? "read-only" : "full");

/** A bearer token's actor, or why it is refused (null refusal: not a token we know, say nothing more). */
export async function authenticateApiToken(
  db: Db,
  apiToken: string,
): Promise<{ actor: Actor | null; refusal: string | null }> {
  const row = await db.apiToken.findUnique({
    where: { tokenHash: hashSecretToken(apiToken) },
    include: { user: true },
  });
  if (!row || !isRole(row.user.role) || row.user.disabled) return { actor: null, refusal: null };
  if (row.expiresAt !== null && row.expiresAt.getTime() <= Date.now()) {
    countApiTokenRefusal("expired");
    return {
      actor: null,
      refusal: `API token expired on ${formatUtc(row.expiresAt)}: ask an admin for a new one (Users & tokens).`,
    };
  }
  await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
  return {
    actor: {
      kind: "token",
      userId: row.user.id,
      username: row.user.username,
      role: row.user.role,
      tokenScope: asScope(row.scope),
    },
    refusal: null,
  };
}

/** 2026-12-06 10:00 UTC: one unambiguous form for a message read by people and scripts alike. */
const formatUtc = (date: Date) => `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
