import { zBulkExportInput, zBulkImportInput } from "../../../common/schemas/bulk-schemas";
import { exportCsv } from "../../services/config/bulk/bulk-export-service";
import { importCsv } from "../../services/config/bulk/bulk-import-service";
import { adminProcedure, createTRPCRouter } from "../trpc";

/** CSV export and import of DNs, agent logins and users (admins only). */
export const bulkRouter = createTRPCRouter({
  export: adminProcedure.input(zBulkExportInput).query(({ ctx, input }) => exportCsv(ctx.db, input.kind)),
  /** A dry run (apply: false) writes nothing; an apply writes every line or, if any is refused, none. */
  import: adminProcedure
    .input(zBulkImportInput)
    .mutation(({ ctx, input }) => importCsv(ctx.db, ctx.actor, input, ctx.env.SIP_REALM)),
});
