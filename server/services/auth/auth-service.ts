import { isRole } from "../../../common/roles";
import { AppError, AppErrorCode } from "../../errors/app-error";
import type { Actor } from "../actor";
import { recordAudit } from "../audit/record-audit";
import type { Db } from "../db";
import type { LoginThrottle } from "./login-throttle";
import { hashPassword, verifyPassword } from "./password-hash";
import { createSecretToken, hashSecretToken } from "./secret-token";

export const SESSION_COOKIE = "forkline_session";

// Compared against when the username does not exist, so that a wrong username and a
// wrong password take the same time.
let dummyHash: Promise<string> | undefined;
const getDummyHash = () => (dummyHash ??= hashPassword("not-a-real-password"));

export type LoginResult = { sessionToken: string; expiresAt: Date; actor: Actor };

export async function login(
  db: Db,
  throttle: LoginThrottle,
  input: { username: string; password: string; source: string; sessionTtlHours: number },
): Promise<LoginResult> {
  try {
    throttle.assertAllowed(input.source, input.username);
  } catch (error) {
    // A guess during the waiting period is still a failure: it lengthens the wait, so a script
    // that keeps trying is slowed more, not let in again after the first wait.
    throttle.recordFailure(input.source, input.username);
    throw error;
  }
  const user = await db.user.findUnique({ where: { username: input.username.toLowerCase() } });
  const ok = await verifyPassword(input.password, user?.passwordHash ?? (await getDummyHash()));
  if (!user || !ok || !isRole(user.role)) {
    throttle.recordFailure(input.source, input.username);
    throw new AppError(AppErrorCode.UNAUTHORIZED, "Wrong username or password.");
  }
  throttle.recordSuccess(input.source, input.username);
  // Told only to whoever knows the password: a wrong one gets the same answer as for anyone.
  if (user.disabled)
    throw new AppError(AppErrorCode.FORBIDDEN, "This account is disabled. Ask an admin to enable it.");
  const { token, hash } = createSecretToken("fls");
  const expiresAt = new Date(Date.now() + input.sessionTtlHours * 3_600_000);
  await db.session.create({ data: { id: hash, userId: user.id, expiresAt } });
  return {
    sessionToken: token,
    expiresAt,
    actor: { kind: "user", userId: user.id, username: user.username, role: user.role },
  };
}

export async function logout(db: Db, sessionToken: string): Promise<void> {
  await db.session.deleteMany({ where: { id: hashSecretToken(sessionToken) } });
}

/** The actor behind a session cookie or an API token; null when neither is valid. */
export async function authenticate(
  db: Db,
  credentials: { sessionToken?: string; apiToken?: string },
): Promise<Actor | null> {
  if (credentials.apiToken) {
    const row = await db.apiToken.findUnique({
      where: { tokenHash: hashSecretToken(credentials.apiToken) },
      include: { user: true },
    });
    if (!row || !isRole(row.user.role) || row.user.disabled) return null;
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
    return { kind: "token", userId: row.user.id, username: row.user.username, role: row.user.role };
  }
  if (credentials.sessionToken) {
    const row = await db.session.findUnique({
      where: { id: hashSecretToken(credentials.sessionToken) },
      include: { user: true },
    });
    if (!row || !isRole(row.user.role) || row.user.disabled) return null;
    if (row.expiresAt.getTime() <= Date.now()) {
      await db.session.delete({ where: { id: row.id } });
      return null;
    }
    return { kind: "user", userId: row.user.id, username: row.user.username, role: row.user.role };
  }
  return null;
}

/** The signed-in user as the web app shows it, with the extension and agent login bound to them. */
export async function me(db: Db, actor: Actor | null) {
  if (actor === null) return null;
  const user =
    actor.userId === null
      ? null
      : await db.user.findUnique({
          where: { id: actor.userId },
          select: { extension: true, agentLoginCode: true },
        });
  return {
    username: actor.username,
    role: actor.role,
    kind: actor.kind,
    extension: user?.extension ?? null,
    agentLoginCode: user?.agentLoginCode ?? null,
  };
}

export async function createApiToken(
  db: Db,
  actor: Actor,
  input: { name: string; username?: string },
): Promise<{ id: string; token: string }> {
  const owner = input.username
    ? await db.user.findUnique({ where: { username: input.username } })
    : actor.userId
      ? await db.user.findUnique({ where: { id: actor.userId } })
      : null;
  if (!owner) throw new AppError(AppErrorCode.NOT_FOUND, "No such user for the API token.");
  const { token, hash } = createSecretToken("flt");
  return db.$transaction(async (tx) => {
    const row = await tx.apiToken.create({ data: { name: input.name, tokenHash: hash, userId: owner.id } });
    await recordAudit(tx, actor, {
      action: "apiToken.create",
      entity: "ApiToken",
      entityId: row.id,
      after: { name: row.name, user: owner.username },
    });
    return { id: row.id, token };
  });
}

export async function listApiTokens(db: Db) {
  const rows = await db.apiToken.findMany({ include: { user: true }, orderBy: { createdAt: "asc" } });
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    username: r.user.username,
    role: r.user.role,
    createdAt: r.createdAt,
    lastUsedAt: r.lastUsedAt,
  }));
}

export async function revokeApiToken(db: Db, actor: Actor, id: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const row = await tx.apiToken.findUnique({ where: { id } });
    if (!row) throw new AppError(AppErrorCode.NOT_FOUND, "No such API token.");
    await tx.apiToken.delete({ where: { id } });
    await recordAudit(tx, actor, {
      action: "apiToken.revoke",
      entity: "ApiToken",
      entityId: id,
      before: { name: row.name },
    });
  });
}

export { hashPassword };
