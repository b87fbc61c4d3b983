import { BULK_LABELS, type BulkKind } from "../../../../common/schemas/bulk-schemas";
import type { Db } from "../../db";
import { BULK_SPECS } from "./bulk-specs";
import { formatCsv } from "./csv-codec";

/**
 * One kind of configuration as CSV (RFC 4180, UTF-8, a header row, CRLF): what an import of the
 * same kind reads back unchanged. No secrets: the DN sipPassword column is empty, users have no
 * password column at all.
 */
export async function exportCsv(
  db: Db,
  kind: BulkKind,
): Promise<{ fileName: string; csv: string; rows: number }> {
  const spec = BULK_SPECS[kind];
  const rows = await spec.exportRows(db);
  return {
    fileName: BULK_LABELS[kind].file,
    csv: formatCsv(
      spec.columns,
      rows.map((cells) => spec.columns.map((c) => cells[c] ?? "")),
    ),
    rows: rows.length,
  };
}
