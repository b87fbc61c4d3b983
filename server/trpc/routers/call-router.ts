import { zRecordingControlInput } from "../../../common/schemas/recording-schemas";
import { controlRecording, listCalls } from "../../services/calls/call-control-service";
import { z } from "zod";
import { actorLabel } from "../../services/actor";
import { RecordingHistoryService } from "../../services/recording/recording-history-service";
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
  history: supervisorProcedure
    .input(
      z.object({
        dn: z.string().trim().max(64).optional(),
        agentId: z.string().trim().max(32).optional(),
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
