import type { z } from "zod";
import { type DnType, zSetDnInput } from "../../../../common/schemas/config-schemas";
import { parseParamsString } from "../../../../common/schemas/recording-schemas";
import { computeDigestHa1 } from "../../../../protocol/sip";
import { DN_FIELDS_BY_TYPE, type DnView, listDns, setDnInTx, toDnView } from "../dn-service";
import {
  type BulkKindSpec,
  type Cells,
  boolCell,
  chunks,
  differingColumns,
  formatCellValue,
  intCell,
  issueProblems,
} from "./bulk-kind";

type DnInput = z.output<typeof zSetDnInput>;
type CurrentDn = DnView & { sipHa1Md5: string | null };

/**
 * The DN columns. `sipPassword` is accepted on import (sets the extension's SIP password) and
 * always exported empty: Forkline keeps only digests of it.
 */
export const DN_COLUMNS = [
  "number",
  "type",
  "displayName",
  "record",
  "sipPassword",
  "peer",
  "peerPortMatch",
  "inboundNumbers",
  "outboundPrefix",
  "routeTarget",
  "routeRecord",
  "routeParams",
  "dtmfMasking",
  "mediaEncryption",
  "recordingTone",
  "recordingToneEverySeconds",
  "recordingToneParties",
] as const;

const fieldOf = (column: string) => (column === "sipPassword" ? "password" : column);
const columnOf = (field: string) => (field === "password" ? "sipPassword" : field);

/** What an empty cell of a column that applies to the DN's type means: cleared, not left as is. */
const CLEARED: Partial<Record<string, unknown>> = {
  displayName: "",
  inboundNumbers: [],
  outboundPrefix: null,
  routeTarget: null,
  routeParams: {},
};

/** Extensions first, then trunks, then routing points (which route to them): a full export imports in order. */
const TYPE_ORDER: Record<DnType, number> = { extension: 0, trunk: 1, routing_point: 2 };

function dnCells(view: DnView): Cells {
  const applies = DN_FIELDS_BY_TYPE[view.type];
  const cells: Cells = {};
  for (const column of DN_COLUMNS) {
    const field = fieldOf(column);
    if (column === "number" || column === "type") cells[column] = view[column];
    else if (column === "sipPassword" || !applies.includes(field)) cells[column] = "";
    else cells[column] = formatCellValue(view[field as keyof DnView]);
  }
  return cells;
}

function cellValue(field: string, column: string, cell: string, problems: string[]): unknown {
  switch (field) {
    case "record":
    case "peerPortMatch":
      return boolCell(column, cell, problems);
    case "recordingToneEverySeconds":
      return intCell(column, cell, problems);
    case "inboundNumbers":
      return cell
        .split(/[;,]/)
        .map((s) => s.trim())
        .filter(Boolean);
    case "routeParams":
      try {
        return parseParamsString(cell.trim());
      } catch (error) {
        problems.push((error as Error).message.replace(/^params:/, `${column}:`));
        return undefined;
      }
    default:
      return cell;
  }
}

export const dnBulk: BulkKindSpec<CurrentDn, DnInput> = {
  entity: "Dn",
  columns: DN_COLUMNS,
  keyColumn: "number",
  exportRows: async (db) =>
    (await listDns(db))
      .sort((a, b) => TYPE_ORDER[a.type] - TYPE_ORDER[b.type] || (a.number < b.number ? -1 : 1))
      .map(dnCells),
  readMany: async (tx, numbers) => {
    const found = new Map<string, CurrentDn>();
    for (const some of chunks(numbers)) {
      for (const row of await tx.dn.findMany({ where: { number: { in: some } } })) {
        found.set(row.number, { ...toDnView(row), sipHa1Md5: row.sipHa1Md5 });
      }
    }
    return found;
  },
  parse: (cells, current) => {
    const problems: string[] = [];
    const typeCell = (cells.type ?? "").trim().replace("-", "_");
    const type = typeCell || current?.type;
    const applies: readonly string[] = DN_FIELDS_BY_TYPE[type as DnType] ?? [];
    const raw: Record<string, unknown> = {
      intent: current ? "update" : "create",
      number: cells.number,
      type,
    };
    for (const [column, cell] of Object.entries(cells)) {
      if (column === "number" || column === "type") continue;
      const field = fieldOf(column);
      if (cell.trim() === "") {
        if (applies.includes(field) && field in CLEARED) raw[field] = CLEARED[field];
        continue;
      }
      raw[field] = cellValue(field, column, cell, problems);
    }
    const parsed = zSetDnInput.safeParse(raw);
    if (!parsed.success) problems.push(...issueProblems(parsed.error.issues, columnOf));
    return problems.length > 0 || !parsed.success
      ? { ok: false, problems }
      : { ok: true, input: parsed.data };
  },
  changes: (current, input, ctx) => {
    const { number: _n, intent: _i, password, peer, ...rest } = input;
    const changed = differingColumns(
      dnCells(current),
      { ...rest, peer: peer && `${peer.host}:${peer.port}` },
      columnOf,
    );
    if (password && computeDigestHa1("MD5", current.number, ctx.sipRealm, password) !== current.sipHa1Md5)
      changed.push("sipPassword");
    return changed;
  },
  write: async (tx, actor, input, _current, ctx) => (await setDnInTx(tx, actor, input, ctx.sipRealm)).number,
};
