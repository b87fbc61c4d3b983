import type { Prisma } from "../../../generated/prisma";
import type { z } from "zod";
import type { zCreateUserInput, zUpdateUserInput } from "../../../common/schemas/config-schemas";
import { AppError, AppErrorCode } from "../../errors/app-error";
import type { Actor } from "../actor";
import { recordAudit } from "../audit/record-audit";
import { configEvents } from "../config/config-events";
import type { Db } from "../db";
import { hashPassword } from "./password-hash";
import { revokeSoftphoneCredentials } from "./softphone-credential-service";

type UserRow = {
  id: string;
  username: string;
  role: string;
  disabled: boolean;
  createdAt: Date;
  extension: string | null;
  agentLoginCode: string | null;
};

const publicUser = (u: UserRow) => ({
  id: u.id,
  username: u.username,
  role: u.role,
  disabled: u.disabled,
  createdAt: u.createdAt,
  extension: u.extension,
  agentLoginCode: u.agentLoginCode,
});

type Bindings = { extension?: string | null | undefined; agentLoginCode?: string | null | undefined };

/**
 * An extension is one person's softphone and an agent login one person's identity: each may be
 * bound to one user only, and only to things that exist (the extension must be an extension,
 * not a trunk or routing point).
 */
async function checkBindings(tx: Prisma.TransactionClient, userId: string | null, input: Bindings) {
  if (input.extension) {
    const dn = await tx.dn.findUnique({ where: { number: input.extension } });
    if (!dn || dn.type !== "extension")
      throw new AppError(AppErrorCode.INVALID_INPUT, `Extension ${input.extension} does not exist.`, {
        field: "extension",
      });
    const owner = await tx.user.findUnique({ where: { extension: input.extension } });
    if (owner && owner.id !== userId)
      throw new AppError(
        AppErrorCode.CONFLICT,
        `Extension ${input.extension} already belongs to ${owner.username}.`,
        { field: "extension" },
      );
  }
  if (input.agentLoginCode) {
    const agent = await tx.agentLogin.findUnique({ where: { loginCode: input.agentLoginCode } });
    if (!agent)
      throw new AppError(AppErrorCode.INVALID_INPUT, `Agent login ${input.agentLoginCode} does not exist.`, {
        field: "agentLoginCode",
      });
    const owner = await tx.user.findUnique({ where: { agentLoginCode: input.agentLoginCode } });
    if (owner && owner.id !== userId)
      throw new AppError(
        AppErrorCode.CONFLICT,
        `Agent login ${input.agentLoginCode} already belongs to ${owner.username}.`,
        { field: "agentLoginCode" },
      );
  }
}

export async function listUsers(db: Db) {
  const rows = await db.user.findMany({ orderBy: { username: "asc" } });
  return rows.map(publicUser);
}

export async function createUser(db: Db, actor: Actor, input: z.output<typeof zCreateUserInput>) {
  const passwordHash = await hashPassword(input.password);
  const created = await db.$transaction((tx) => createUserInTx(tx, actor, input, passwordHash));
  configEvents.emitChange({ entity: "User", id: created.id });
  return created;
}

export type UserView = ReturnType<typeof publicUser>;

/**
 * createUser inside the caller's transaction, with the password already hashed (bcrypt is slow:
 * hash before the transaction opens). `disabled` creates the account disabled (a bulk import's
 * column). The caller emits the config change after commit.
 */
export async function createUserInTx(
  tx: Prisma.TransactionClient,
  actor: Actor,
  input: Omit<z.output<typeof zCreateUserInput>, "password"> & { disabled?: boolean },
  passwordHash: string,
): Promise<UserView> {
  if (await tx.user.findUnique({ where: { username: input.username } })) {
    throw new AppError(AppErrorCode.CONFLICT, `User ${input.username} already exists.`, {
      field: "username",
    });
  }
  await checkBindings(tx, null, input);
  const user = await tx.user.create({
    data: {
      username: input.username,
      passwordHash,
      role: input.role,
      extension: input.extension ?? null,
      agentLoginCode: input.agentLoginCode ?? null,
      disabled: input.disabled ?? false,
    },
  });
  await recordAudit(tx, actor, {
    action: "user.create",
    entity: "User",
    entityId: user.id,
    after: {
      username: user.username,
      role: user.role,
      extension: user.extension,
      agentLoginCode: user.agentLoginCode,
      ...(user.disabled ? { disabled: true } : {}),
    },
  });
  return publicUser(user);
}

export async function updateUser(db: Db, actor: Actor, input: z.output<typeof zUpdateUserInput>) {
  if (input.revokeApiTokens && !input.password)
    throw new AppError(AppErrorCode.INVALID_INPUT, "API tokens are revoked together with a new password.", {
      field: "revokeApiTokens",
    });
  const passwordHash = input.password ? await hashPassword(input.password) : undefined;
  const updated = await db.$transaction((tx) => updateUserInTx(tx, actor, input, passwordHash));
  configEvents.emitChange({ entity: "User", id: updated.id });
  return updated;
}

/**
 * updateUser inside the caller's transaction, with a new password already hashed (or none). The
 * caller emits the config change after commit.
 */
export async function updateUserInTx(
  tx: Prisma.TransactionClient,
  actor: Actor,
  input: Omit<z.output<typeof zUpdateUserInput>, "password">,
  passwordHash: string | undefined,
): Promise<UserView> {
  const before = await tx.user.findUnique({ where: { username: input.username } });
  if (!before) throw new AppError(AppErrorCode.NOT_FOUND, `No user ${input.username}.`);
  if (before.role === "admin" && input.role && input.role !== "admin")
    await assertAnotherAdmin(tx, before.id);
  if (input.disabled === true && !before.disabled) {
    if (before.id === actor.userId)
      throw new AppError(AppErrorCode.CONFLICT, "You cannot disable yourself.", { field: "disabled" });
    if (before.role === "admin") await assertAnotherAdmin(tx, before.id);
  }
  await checkBindings(tx, before.id, input);
  const user = await tx.user.update({
    where: { id: before.id },
    data: {
      role: input.role,
      passwordHash,
      extension: input.extension,
      agentLoginCode: input.agentLoginCode,
      disabled: input.disabled,
    },
  });
  // A new password ends every session of the user; their API tokens too when the admin says so
  // (a leaked password may have been used to mint one).
  // Disabling ends them too: a disabled user is signed out everywhere at once (API tokens and
  // softphone connections are refused while disabled, see authenticate and mayRegisterExtension).
  // Their softphone credentials end with the sessions: one issued under the old password, or
  // before the account was disabled, must not register again.
  if (passwordHash || (user.disabled && !before.disabled)) {
    await tx.session.deleteMany({ where: { userId: user.id } });
    await revokeSoftphoneCredentials(tx, user.id);
  }
  const revokedTokens =
    passwordHash && input.revokeApiTokens
      ? (await tx.apiToken.deleteMany({ where: { userId: user.id } })).count
      : 0;
  await recordAudit(tx, actor, {
    action: "user.update",
    entity: "User",
    entityId: user.id,
    before: {
      role: before.role,
      extension: before.extension,
      agentLoginCode: before.agentLoginCode,
      disabled: before.disabled,
    },
    after: {
      role: user.role,
      disabled: user.disabled,
      extension: user.extension,
      agentLoginCode: user.agentLoginCode,
      passwordChanged: Boolean(passwordHash),
      ...(revokedTokens > 0 ? { apiTokensRevoked: revokedTokens } : {}),
    },
  });
  return publicUser(user);
}

export async function deleteUser(db: Db, actor: Actor, username: string) {
  const id = await db.$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { username } });
    if (!before) throw new AppError(AppErrorCode.NOT_FOUND, `No user ${username}.`);
    if (before.id === actor.userId) throw new AppError(AppErrorCode.CONFLICT, "You cannot delete yourself.");
    if (before.role === "admin") await assertAnotherAdmin(tx, before.id);
    await tx.user.delete({ where: { id: before.id } });
    await revokeSoftphoneCredentials(tx, before.id);
    await recordAudit(tx, actor, {
      action: "user.delete",
      entity: "User",
      entityId: before.id,
      before: { username: before.username, role: before.role },
    });
    return before.id;
  });
  configEvents.emitChange({ entity: "User", id });
}

async function assertAnotherAdmin(tx: Prisma.TransactionClient, exceptId: string) {
  const others = await tx.user.count({ where: { role: "admin", disabled: false, id: { not: exceptId } } });
  if (others === 0)
    throw new AppError(AppErrorCode.CONFLICT, "Forkline needs at least one admin who is not disabled.");
}
