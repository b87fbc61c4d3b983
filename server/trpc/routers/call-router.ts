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
  start: control("start"),
  stop: control("stop"),
  pause: control("pause"),
  resume: control("resume"),
});
