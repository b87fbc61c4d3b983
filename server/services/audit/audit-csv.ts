import { AUDIT_CSV_MAX_ROWS, type AuditFilter } from "../../../common/schemas/config-schemas";
import type { Db } from "../db";
import { formatCsv } from "../config/bulk/csv-codec";
import { changesText } from "./audit-changes";
import { auditWhere, toAuditEventView } from "./list-audit-events";

const HEADER = ["time", "username", "name", "via", "action", "object type", "object", "object id", "changes"];

/**
 * The audit log as CSV (RFC 4180, formula cells led by an apostrophe: formatCsv), with the
 * page's filters, newest first, at most AUDIT_CSV_MAX_ROWS rows.
 */
export async function auditCsv(db: Db, filter: AuditFilter) {
  const rows = await db.auditEvent.findMany({
    where: auditWhere(filter),
    orderBy: [{ at: "desc" }, { id: "desc" }],
    take: AUDIT_CSV_MAX_ROWS + 1,
  });
  const truncated = rows.length > AUDIT_CSV_MAX_ROWS;
  const lines = rows
    .slice(0, AUDIT_CSV_MAX_ROWS)
    .map(toAuditEventView)
    .map((e) => [
      e.at.toISOString(),
      e.actorUsername,
      e.actorName ?? "",
      e.actorUsername === "system" ? "server" : e.viaApiToken ? "API token" : "web",
      e.action,
      e.entity,
      e.entityName,
      e.entityId,
      changesText(e.changes),
    ]);
  return {
    filename: `forkline-audit-${new Date().toISOString().slice(0, 10)}.csv`,
    // The same RFC 4180 writer (and formula guard) as the configuration export.
    csv: formatCsv(HEADER, lines),
    rows: lines.length,
    truncated,
  };
}
