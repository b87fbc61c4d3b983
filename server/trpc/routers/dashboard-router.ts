import { zDashboardInput } from "../../../common/schemas/dashboard-schemas";
import { alarmEvents } from "../../services/alarms/alarm-service";
import { watchDashboard } from "../../services/dashboard/dashboard-feed";
import { DashboardService } from "../../services/dashboard/dashboard-service";
import { type TrpcContext, createTRPCRouter, supervisorProcedure } from "../trpc";

const dashboardOf = (ctx: TrpcContext) =>
  new DashboardService({ db: ctx.db, engineUris: ctx.env.mediaEngineUris, engineStatus: ctx.engineStatus });

export const dashboardRouter = createTRPCRouter({
  /** The supervisor dashboard now: live calls, policy compliance today, pauses, problems, health, the last 24 h. */
  snapshot: supervisorProcedure
    .input(zDashboardInput)
    .query(async ({ ctx, input }) => dashboardOf(ctx).snapshot(await ctx.liveCalls.list(), input)),
  /** The same, pushed when the live calls or the alarms change (at most once a second, and every 5 s). */
  live: supervisorProcedure.input(zDashboardInput).subscription(async function* ({ ctx, input, signal }) {
    yield* watchDashboard(
      {
        service: dashboardOf(ctx),
        liveCalls: ctx.liveCalls,
        alarmChanges: (stop) => alarmEvents.changes(stop),
      },
      input,
      signal,
    );
  }),
});
