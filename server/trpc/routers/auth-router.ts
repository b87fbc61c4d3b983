import { zLoginInput } from "../../../common/schemas/config-schemas";
import { login, logout, me } from "../../services/auth/auth-service";
import { agentProcedure, createTRPCRouter, publicProcedure } from "../trpc";

export const authRouter = createTRPCRouter({
  login: publicProcedure.input(zLoginInput).mutation(async ({ ctx, input }) => {
    const result = await login(ctx.db, ctx.throttle, {
      ...input,
      source: ctx.source,
      sessionTtlHours: ctx.env.SESSION_TTL_HOURS,
    });
    ctx.setSessionCookie(result.sessionToken, result.expiresAt);
    return { username: result.actor.username, role: result.actor.role };
  }),
  logout: publicProcedure.mutation(async ({ ctx }) => {
    if (ctx.sessionToken) await logout(ctx.db, ctx.sessionToken);
    ctx.clearSessionCookie();
    return { ok: true };
  }),
  me: publicProcedure.query(({ ctx }) => me(ctx.db, ctx.actor)),
  /** Lets a client check a session without treating "signed out" as an error. */
  whoami: agentProcedure.query(({ ctx }) => ({ username: ctx.actor.username, role: ctx.actor.role })),
});
