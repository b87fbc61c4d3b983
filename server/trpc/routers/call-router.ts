import { listCalls, type LiveCallsDeps, watchCalls } from "../../services/calls/call-control-service";
import { createTRPCRouter, supervisorProcedure, type TrpcContext } from "../trpc";

const liveCallsDeps = (ctx: TrpcContext): LiveCallsDeps => ({
  db: ctx.db,
  live: ctx.calls,
  recordings: ctx.recordings,
  agentOnDn: (dn) => ctx.cti.agents.agentOnDn(dn),
});

export const callRouter = createTRPCRouter({
  list: supervisorProcedure.query(({ ctx }) => listCalls(liveCallsDeps(ctx))),
  /** Snapshots of the live calls, pushed when they change: the supervisor page needs no polling. */
  live: supervisorProcedure.subscription(async function* ({ ctx, signal }) {
    yield* watchCalls({ ...liveCallsDeps(ctx), onChange: (l) => ctx.cti.bus.onPublish(l) }, signal);
  }),
});
