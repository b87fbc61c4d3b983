import { createTRPCRouter, supervisorProcedure } from "../trpc";

export const callRouter = createTRPCRouter({
  list: supervisorProcedure.query(({ ctx }) => ctx.liveCalls.list()),
  /** Snapshots of the live calls, pushed when they change: the supervisor page needs no polling. */
  live: supervisorProcedure.subscription(async function* ({ ctx, signal }) {
    yield* ctx.liveCalls.watch(signal);
  }),
});
