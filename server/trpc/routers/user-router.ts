import { z } from "zod";
import { zCreateUserInput, zUpdateUserInput, zUsername } from "../../../common/schemas/config-schemas";
import { createApiToken, listApiTokens, revokeApiToken } from "../../services/auth/auth-service";
import { createUser, deleteUser, listUsers, updateUser } from "../../services/auth/user-service";
import { listAuditEvents } from "../../services/audit/list-audit-events";
import { adminProcedure, createTRPCRouter } from "../trpc";

export const userRouter = createTRPCRouter({
  list: adminProcedure.query(({ ctx }) => listUsers(ctx.db)),
  create: adminProcedure
    .input(zCreateUserInput)
    .mutation(({ ctx, input }) => createUser(ctx.db, ctx.actor, input)),
  update: adminProcedure
    .input(zUpdateUserInput)
    .mutation(({ ctx, input }) => updateUser(ctx.db, ctx.actor, input)),
  delete: adminProcedure
    .input(z.object({ username: zUsername }))
    .mutation(({ ctx, input }) => deleteUser(ctx.db, ctx.actor, input.username)),
});

export const apiTokenRouter = createTRPCRouter({
  list: adminProcedure.query(({ ctx }) => listApiTokens(ctx.db)),
  create: adminProcedure
    .input(
      z.object({
        name: z.string().trim().min(1, "give the token a name").max(64),
        username: zUsername.optional(),
      }),
    )
    .mutation(({ ctx, input }) => createApiToken(ctx.db, ctx.actor, input)),
  revoke: adminProcedure
    .input(z.object({ id: z.string().min(1) }))
    .mutation(({ ctx, input }) => revokeApiToken(ctx.db, ctx.actor, input.id)),
});

export const auditRouter = createTRPCRouter({
  list: adminProcedure
    .input(
      z
        .object({
          limit: z.number().int().min(1).max(500).default(100),
          entity: z.string().max(32).optional(),
          entityId: z.string().max(64).optional(),
        })
        .default({ limit: 100 }),
    )
    .query(({ ctx, input }) => listAuditEvents(ctx.db, input)),
});
