import {
  zAgentLoginCodeInput,
  zAgentLoginListInput,
  zSetAgentLoginInput,
} from "../../../common/schemas/config-schemas";
import { deleteAgentLogin, listAgentLogins, setAgentLogin } from "../../services/config/agent-login-service";
import { adminProcedure, createTRPCRouter, supervisorProcedure } from "../trpc";

export const agentLoginRouter = createTRPCRouter({
  list: supervisorProcedure
    .input(zAgentLoginListInput)
    .query(({ ctx, input }) => listAgentLogins(ctx.db, input)),
  set: adminProcedure
    .input(zSetAgentLoginInput)
    .mutation(({ ctx, input }) => setAgentLogin(ctx.db, ctx.actor, input)),
  delete: adminProcedure
    .input(zAgentLoginCodeInput)
    .mutation(({ ctx, input }) => deleteAgentLogin(ctx.db, ctx.actor, input.loginCode)),
});
