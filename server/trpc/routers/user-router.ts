import { zCreateUserInput, zUpdateUserInput, zUsernameInput } from "../../../common/schemas/config-schemas";
import { createUser, deleteUser, listUsers, updateUser } from "../../services/auth/user-service";
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
    .input(zUsernameInput)
    .mutation(({ ctx, input }) => deleteUser(ctx.db, ctx.actor, input.username)),
});
