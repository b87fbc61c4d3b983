import { z } from "zod";
import { zRecorderName, zSetRecorderInput } from "../../../common/schemas/config-schemas";
import {
  deleteRecorder,
  listRecorders,
  setRecorder,
  testRecorder,
} from "../../services/config/recorder-service";
import { adminProcedure, createTRPCRouter, supervisorProcedure } from "../trpc";

export const recorderRouter = createTRPCRouter({
  list: supervisorProcedure.query(({ ctx }) => listRecorders(ctx.db)),
  set: adminProcedure
    .input(zSetRecorderInput)
    .mutation(({ ctx, input }) => setRecorder(ctx.db, ctx.actor, input)),
  test: supervisorProcedure
    .input(z.object({ name: zRecorderName }))
    .mutation(({ ctx, input }) => testRecorder(ctx.db, ctx.sipProbe, input.name)),
  delete: adminProcedure
    .input(z.object({ name: zRecorderName }))
    .mutation(({ ctx, input }) => deleteRecorder(ctx.db, ctx.actor, input.name)),
});
