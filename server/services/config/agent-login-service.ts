import type { z } from "zod";
import type { Prisma } from "../../../generated/prisma";
import type { zSetAgentLoginInput } from "../../../common/schemas/config-schemas";
import { AppError, AppErrorCode } from "../../errors/app-error";
import type { Actor } from "../actor";
import { recordAudit } from "../audit/record-audit";
import type { Db } from "../db";
import { containsText } from "../contains-text";
import { configEvents } from "./config-events";

const view = (r: { id: string; loginCode: string; name: string; record: boolean; updatedAt: Date }) => ({
  id: r.id,
  loginCode: r.loginCode,
  name: r.name,
  record: r.record,
  updatedAt: r.updatedAt,
});
export type AgentLoginView = ReturnType<typeof view>;

export async function listAgentLogins(db: Db, filter: { record?: boolean; search?: string } = {}) {
  const rows = await db.agentLogin.findMany({
    where: {
      record: filter.record,
      ...(filter.search
        ? { OR: [{ loginCode: containsText(db, filter.search) }, { name: containsText(db, filter.search) }] }
        : {}),
    },
    orderBy: { loginCode: "asc" },
  });
  return rows.map(view);
}

export async function setAgentLogin(db: Db, actor: Actor, input: z.output<typeof zSetAgentLoginInput>) {
  const result = await db.$transaction((tx) => setAgentLoginInTx(tx, actor, input));
  configEvents.emitChange({ entity: "AgentLogin", id: result.loginCode });
  return result;
}

/** setAgentLogin inside the caller's transaction; the caller emits the config change after commit. */
export async function setAgentLoginInTx(
  tx: Prisma.TransactionClient,
  actor: Actor,
  input: z.output<typeof zSetAgentLoginInput>,
): Promise<AgentLoginView> {
  const before = await tx.agentLogin.findUnique({ where: { loginCode: input.loginCode } });
  // An Add with a code in use would otherwise rename that agent login without a word.
  if (before && input.intent === "create") {
    throw new AppError(
      AppErrorCode.CONFLICT,
      `Agent login ${input.loginCode} already exists — edit it instead of adding it again.`,
      { field: "loginCode" },
    );
  }
  if (!before && input.intent === "update") {
    throw new AppError(
      AppErrorCode.NOT_FOUND,
      `No agent login ${input.loginCode}: it was deleted meanwhile.`,
      { field: "loginCode" },
    );
  }
  const row = before
    ? await tx.agentLogin.update({
        where: { id: before.id },
        data: { name: input.name, record: input.record },
      })
    : await tx.agentLogin.create({
        data: { loginCode: input.loginCode, name: input.name ?? "", record: input.record ?? false },
      });
  await recordAudit(tx, actor, {
    action: before ? "agentLogin.update" : "agentLogin.create",
    entity: "AgentLogin",
    entityId: row.loginCode,
    before: before ? { name: before.name, record: before.record } : undefined,
    after: { name: row.name, record: row.record },
  });
  return view(row);
}

export async function deleteAgentLogin(db: Db, actor: Actor, loginCode: string) {
  await db.$transaction(async (tx) => {
    const before = await tx.agentLogin.findUnique({ where: { loginCode } });
    if (!before) throw new AppError(AppErrorCode.NOT_FOUND, `No agent login ${loginCode}.`);
    await tx.agentLogin.delete({ where: { id: before.id } });
    await recordAudit(tx, actor, {
      action: "agentLogin.delete",
      entity: "AgentLogin",
      entityId: loginCode,
      before: { name: before.name, record: before.record },
    });
  });
  configEvents.emitChange({ entity: "AgentLogin", id: loginCode });
}
