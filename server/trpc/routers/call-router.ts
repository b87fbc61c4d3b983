import { zRecordingControlInput } from "../../../common/schemas/recording-schemas";
import { controlRecording, listCalls } from "../../services/calls/call-control-service";
import { createTRPCRouter, supervisorProcedure } from "../trpc";

export const callRouter = createTRPCRouter({
  list: supervisorProcedure.query(({ ctx }) => listCalls(ctx.calls)),
});

export const recordingRouter = createTRPCRouter({
  start: supervisorProcedure.input(zRecordingControlInput).mutation(() => controlRecording("start")),
  stop: supervisorProcedure.input(zRecordingControlInput).mutation(() => controlRecording("stop")),
  pause: supervisorProcedure.input(zRecordingControlInput).mutation(() => controlRecording("pause")),
  resume: supervisorProcedure.input(zRecordingControlInput).mutation(() => controlRecording("resume")),
});
