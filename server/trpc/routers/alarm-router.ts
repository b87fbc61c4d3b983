import { zAlarmAcknowledgeInput } from "../../../common/schemas/recording-schemas";
import { AlarmService, alarmEvents } from "../../services/alarms/alarm-service";
import { createTRPCRouter, supervisorProcedure } from "../trpc";

export const alarmRouter = createTRPCRouter({
  /** Unacknowledged alarms (recorder failures, media engines not answering), newest first. */
  open: supervisorProcedure.query(({ ctx }) => new AlarmService(ctx.db).open()),
  /** The open alarms again each time they change. */
  watch: supervisorProcedure.subscription(async function* ({ ctx, signal }) {
    const alarms = new AlarmService(ctx.db);
    yield await alarms.open();
    for await (const _ of alarmEvents.changes(signal)) yield await alarms.open();
  }),
  acknowledge: supervisorProcedure
    .input(zAlarmAcknowledgeInput)
    .mutation(({ ctx, input }) => new AlarmService(ctx.db).acknowledge(input.ids, ctx.actor!)),
});
