import { zAuditListInput } from "../../../common/schemas/config-schemas";
import { listAuditEvents } from "../../services/audit/list-audit-events";
import { adminProcedure, createTRPCRouter } from "../trpc";

export const auditRouter = createTRPCRouter({
  list: adminProcedure.input(zAuditListInput).query(({ ctx, input }) => listAuditEvents(ctx.db, input)),
});
