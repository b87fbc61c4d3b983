import { createTRPCRouter, publicProcedure } from "../trpc";

export const systemRouter = createTRPCRouter({
  health: publicProcedure.query(() => ({ ok: true, time: new Date() })),
});
