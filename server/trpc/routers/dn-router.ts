import {
  zDnListInput,
  zDnNumberInput,
  zDnSetRecordInput,
  zDnSetRecordManyInput,
  zSetDnInput,
} from "../../../common/schemas/config-schemas";
import { deleteDn, getDn, listDns, setDn, setDnRecord } from "../../services/config/dn-service";
import { adminProcedure, createTRPCRouter, supervisorProcedure } from "../trpc";

export const dnRouter = createTRPCRouter({
  list: supervisorProcedure.input(zDnListInput).query(({ ctx, input }) => listDns(ctx.db, input)),
  get: supervisorProcedure.input(zDnNumberInput).query(({ ctx, input }) => getDn(ctx.db, input.number)),
  set: adminProcedure
    .input(zSetDnInput)
    .mutation(({ ctx, input }) => setDn(ctx.db, ctx.actor, input, ctx.env.SIP_REALM)),
  setRecord: adminProcedure
    .input(zDnSetRecordInput)
    .mutation(
      async ({ ctx, input }) => (await setDnRecord(ctx.db, ctx.actor, [input.number], input.record))[0]!,
    ),
  /** Bulk toggle: every named DN changes, or none does. */
  setRecordMany: adminProcedure
    .input(zDnSetRecordManyInput)
    .mutation(({ ctx, input }) => setDnRecord(ctx.db, ctx.actor, input.numbers, input.record)),
  delete: adminProcedure
    .input(zDnNumberInput)
    .mutation(({ ctx, input }) => deleteDn(ctx.db, ctx.actor, input.number)),
});
