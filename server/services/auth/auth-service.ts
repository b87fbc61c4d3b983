import { isRole } from "../../../common/roles";
import { AppError, AppErrorCode } from "../../errors/app-error";
import type { Actor } from "../actor";
import type { Db } from "../db";
import type { LoginThrottle } from "./login-throttle";
import { hashPassword, verifyPassword } from "./password-hash";
import { authenticateApiToken } from "./api-token-service";
import { createSecretToken, hashSecretToken } from "./secret-token";
import { revokeSoftphoneCredentials } from "./softphone-credential-service";

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

/**
 * Ends the session and the user's softphone credentials: a softphone left registered on a shared
 * desk must not be able to register again as them after they signed out (every credential of the
 * user, as they are not tied to one session; their other open softphones ask for a new one).
 */
export async function logout(db: Db, sessionToken: string): Promise<void> {
  const id = hashSecretToken(sessionToken);
  await db.$transaction(async (tx) => {
    const session = await tx.session.findUnique({ where: { id }, select: { userId: true } });
    if (session === null) return;
    await tx.session.delete({ where: { id } });
    await revokeSoftphoneCredentials(tx, session.userId);
  });
}

/** The actor behind a session cookie or an API token; null when neither is valid. */
export async function authenticate(
  db: Db,
  credentials: { sessionToken?: string; apiToken?: string },
): Promise<Actor | null> {
  return (await authenticateRequest(db, credentials)).actor;
}

/**
 * As authenticate, with the reason a known credential is refused (an expired API token) for the
 * 401 message; null where nothing should be said (an unknown token, no credentials).
 */
export async function authenticateRequest(
  db: Db,
  credentials: { sessionToken?: string; apiToken?: string },
): Promise<{ actor: Actor | null; refusal: string | null }> {
  if (credentials.apiToken) return authenticateApiToken(db, credentials.apiToken);
  if (credentials.sessionToken) {
    const row = await db.session.findUnique({
      where: { id: hashSecretToken(credentials.sessionToken) },
      include: { user: true },
    });
    if (!row || !isRole(row.user.role) || row.user.disabled) return { actor: null, refusal: null };
    if (row.expiresAt.getTime() <= Date.now()) {
      await db.session.delete({ where: { id: row.id } });
      return { actor: null, refusal: null };
    }
    return {
      actor: { kind: "user", userId: row.user.id, username: row.user.username, role: row.user.role },
      refusal: null,
    };
  }
  return { actor: null, refusal: null };
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

export { createApiToken, listApiTokens, revokeApiToken } from "./api-token-service";
export { hashPassword };
