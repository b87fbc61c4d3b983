import { zAuditFilter, zAuditListInput } from "../../../common/schemas/config-schemas";
import { auditCsv } from "../../services/audit/audit-csv";
import { auditFacets, listAuditEvents, pageAuditEvents } from "../../services/audit/list-audit-events";
import { adminProcedure, createTRPCRouter } from "../trpc";

export const auditRouter = createTRPCRouter({
  list: adminProcedure.input(zAuditListInput).query(({ ctx, input }) => listAuditEvents(ctx.db, input)),
  /** One page with the total the filters match. */
  page: adminProcedure.input(zAuditListInput).query(({ ctx, input }) => pageAuditEvents(ctx.db, input)),
  facets: adminProcedure.query(({ ctx }) => auditFacets(ctx.db)),
  /** The filtered log as a CSV file's text (built by the server). */
  csv: adminProcedure.input(zAuditFilter).query(({ ctx, input }) => auditCsv(ctx.db, input)),
});
