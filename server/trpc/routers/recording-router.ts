import { zRecordingControlInput, zRecordingHistoryInput } from "../../../common/schemas/recording-schemas";
import { actorLabel } from "../../services/actor";
import { controlRecording } from "../../services/calls/call-control-service";
import { RecordingHistoryService } from "../../services/recording/recording-history-service";
import { createTRPCRouter, supervisorProcedure } from "../trpc";
import { callsProcedure } from "./recording/calls-procedure";

const control = (action: "start" | "stop" | "pause" | "resume") =>
  supervisorProcedure
    .input(zRecordingControlInput)
    .mutation(({ ctx, input }) =>
      controlRecording(ctx.recordings, action, input, `user:${actorLabel(ctx.actor!)}`, ctx.actor!.role),
    );

export const recordingRouter = createTRPCRouter({
  history: supervisorProcedure
    .input(zRecordingHistoryInput)
    .query(({ ctx, input }) => new RecordingHistoryService(ctx.db).search(input)),
  calls: callsProcedure,
  start: control("start"),
  stop: control("stop"),
  pause: control("pause"),
  resume: control("resume"),
});
