import { zSetComplianceInput, zSetFullTimeStopInput } from "../../../common/schemas/config-schemas";
import { getCompliance, setCompliance, setFullTimeStopRule } from "../../services/config/compliance-service";
import { adminProcedure, createTRPCRouter, supervisorProcedure } from "../trpc";

/** Compliance rules for recording control (issue 15 §6). */
export const complianceRouter = createTRPCRouter({
  get: supervisorProcedure.query(({ ctx }) => getCompliance(ctx.db)),
  setFullTimeStop: adminProcedure
    .input(zSetFullTimeStopInput)
    .mutation(({ ctx, input }) => setFullTimeStopRule(ctx.db, ctx.actor, input.fullTimeStop)),
  /** Whether a stop needs a reason, and the longest pause. */
  set: adminProcedure
    .input(zSetComplianceInput)
    .mutation(({ ctx, input }) => setCompliance(ctx.db, ctx.actor, input)),
});
