import { z } from "zod";
import { zDnNumber, zDnType, zSetDnInput } from "../../../common/schemas/config-schemas";
import { deleteDn, getDn, listDns, setDn, setDnRecord } from "../../services/config/dn-service";
import { adminProcedure, createTRPCRouter, supervisorProcedure } from "../trpc";

export const dnRouter = createTRPCRouter({
  list: supervisorProcedure
    .input(
      z
        .object({
          type: zDnType.optional(),
          record: z.boolean().optional(),
          search: z.string().max(64).optional(),
        })
        .optional(),
    )
    .query(({ ctx, input }) => listDns(ctx.db, input)),
  get: supervisorProcedure
    .input(z.object({ number: zDnNumber }))
    .query(({ ctx, input }) => getDn(ctx.db, input.number)),
  set: adminProcedure
    .input(zSetDnInput)
    .mutation(({ ctx, input }) => setDn(ctx.db, ctx.actor, input, ctx.env.SIP_REALM)),
  setRecord: adminProcedure
    .input(z.object({ number: zDnNumber, record: z.boolean() }))
    .mutation(
      async ({ ctx, input }) => (await setDnRecord(ctx.db, ctx.actor, [input.number], input.record))[0]!,
    ),
  /** Bulk toggle: every named DN changes, or none does. */
  setRecordMany: adminProcedure
    .input(
      z.object({
        numbers: z.array(zDnNumber).min(1, "select at least one DN").max(500),
        record: z.boolean(),
      }),
    )
    .mutation(({ ctx, input }) => setDnRecord(ctx.db, ctx.actor, input.numbers, input.record)),
  delete: adminProcedure
    .input(z.object({ number: zDnNumber }))
    .mutation(({ ctx, input }) => deleteDn(ctx.db, ctx.actor, input.number)),
});
