import { zRecordingControlInput } from "../../../common/schemas/recording-schemas";
import {
  controlRecording,
  listCalls,
  type LiveCallsDeps,
  watchCalls,
} from "../../services/calls/call-control-service";
import { z } from "zod";
import { actorLabel } from "../../services/actor";
import { AlarmService, alarmEvents } from "../../services/alarms/alarm-service";
import {
  RECORDING_TRIGGERS,
  RecordingHistoryService,
} from "../../services/recording/recording-history-service";
import { RecordingState } from "../../services/recording/recording-session-state";
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

const control = (action: "start" | "stop" | "pause" | "resume") =>
  supervisorProcedure
    .input(zRecordingControlInput)
    .mutation(({ ctx, input }) =>
      controlRecording(ctx.recordings, action, input, `user:${actorLabel(ctx.actor!)}`),
    );

export const recordingRouter = createTRPCRouter({
  history: supervisorProcedure
    .input(
      z.object({
        dn: z.string().trim().max(64).optional(),
        agentId: z.string().trim().max(32).optional(),
        trigger: z.enum(RECORDING_TRIGGERS).optional(),
        state: z.enum(RecordingState).optional(),
        text: z.string().trim().max(128).optional(),
        from: z.date().optional(),
        to: z.date().optional(),
        limit: z.number().int().min(1).max(500).default(100),
      }),
    )
    .query(({ ctx, input }) => new RecordingHistoryService(ctx.db).search(input)),
  start: control("start"),
  stop: control("stop"),
  pause: control("pause"),
  resume: control("resume"),
});

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
    .input(z.object({ ids: z.array(z.string().min(1).max(64)).min(1).max(100) }))
    .mutation(({ ctx, input }) => new AlarmService(ctx.db).acknowledge(input.ids, ctx.actor!)),
});
