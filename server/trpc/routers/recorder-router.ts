import {
  zRecorderNameInput,
  zSetRecorderModeInput,
  zSetRecorderInput,
} from "../../../common/schemas/config-schemas";
import {
  deleteRecorder,
  getRecorderMode,
  listRecorders,
  setRecorderMode,
  setRecorder,
  testRecorder,
} from "../../services/config/recorder-service";
import { adminProcedure, createTRPCRouter, supervisorProcedure } from "../trpc";

export const recorderRouter = createTRPCRouter({
  list: supervisorProcedure.query(({ ctx }) => listRecorders(ctx.db)),
  mode: supervisorProcedure.query(async ({ ctx }) => ({ mode: await getRecorderMode(ctx.db) })),
  setMode: adminProcedure
    .input(zSetRecorderModeInput)
    .mutation(({ ctx, input }) => setRecorderMode(ctx.db, ctx.actor, input.mode)),
  set: adminProcedure
    .input(zSetRecorderInput)
    .mutation(({ ctx, input }) => setRecorder(ctx.db, ctx.actor, input)),
  test: supervisorProcedure
    .input(zRecorderNameInput)
    .mutation(({ ctx, input }) => testRecorder(ctx.db, ctx.sipProbe, input.name)),
  delete: adminProcedure
    .input(zRecorderNameInput)
    .mutation(({ ctx, input }) => deleteRecorder(ctx.db, ctx.actor, input.name)),
});
