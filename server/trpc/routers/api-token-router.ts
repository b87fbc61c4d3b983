import { zApiTokenIdInput, zCreateApiTokenInput } from "../../../common/schemas/config-schemas";
import { createApiToken, listApiTokens, revokeApiToken } from "../../services/auth/api-token-service";
import { adminProcedure, createTRPCRouter } from "../trpc";

export const apiTokenRouter = createTRPCRouter({
  list: adminProcedure.query(({ ctx }) => listApiTokens(ctx.db)),
  create: adminProcedure
    .input(zCreateApiTokenInput)
    .mutation(({ ctx, input }) => createApiToken(ctx.db, ctx.actor, input)),
  revoke: adminProcedure
    .input(zApiTokenIdInput)
    .mutation(({ ctx, input }) => revokeApiToken(ctx.db, ctx.actor, input.id)),
});
