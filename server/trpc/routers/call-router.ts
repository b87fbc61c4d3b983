import { zRecordingControlInput } from "../../../common/schemas/recording-schemas";
import { controlRecording, listCalls } from "../../services/calls/call-control-service";
import { actorLabel } from "../../services/actor";
import { createTRPCRouter, supervisorProcedure } from "../trpc";

export const callRouter = createTRPCRouter({
  list: supervisorProcedure.query(({ ctx }) => listCalls(ctx.calls, ctx.recordings)),
});

const control = (action: "start" | "stop" | "pause" | "resume") =>
  supervisorProcedure
    .input(zRecordingControlInput)
    .mutation(({ ctx, input }) =>
      controlRecording(ctx.recordings, action, input, `user:${actorLabel(ctx.actor!)}`),
    );

export const recordingRouter = createTRPCRouter({
  /** Recorder failures (could not start, recorder hung up), newest first. */
  alarms: supervisorProcedure.query(({ ctx }) => ctx.recordings?.alarms() ?? []),
  start: control("start"),
  stop: control("stop"),
  pause: control("pause"),
  resume: control("resume"),
});
