import type { Prisma } from "../../../../generated/prisma";
import type { ConfigChange } from "../config-events";
import type { Actor } from "../../actor";
import type { Db } from "../../db";

/** A record's cells by column name (only the file's columns), the spreadsheet guard taken away. */
export type Cells = Record<string, string>;

export type ParsedLine<I> = { ok: true; input: I } | { ok: false; problems: string[] };

/** What a line's write may need beyond its input. */
export type ImportContext = {
  sipRealm: string;
  /** A dry run is rolled back: nothing it writes is kept, so it needs no real password hashes. */
  dryRun: boolean;
  /** bcrypt hashes of the generated initial passwords, by username (apply only). */
  passwordHashes: Map<string, string>;
  /** Users this import created so far. */
  createdUsers: string[];
};

/**
 * How one kind of object (DNs, agent logins, users) is exported and imported. The checks and
 * writes are the services' own (the `…InTx` variants); a spec only maps cells to their inputs.
 */
export type BulkKindSpec<Current, Input> = {
  entity: ConfigChange["entity"];
  /** Every column, in export order; the key column first. */
  columns: readonly string[];
  keyColumn: string;
  exportRows: (db: Db) => Promise<Cells[]>;
  /** The saved objects of these keys (one query per chunk of keys, not one per line). */
  readMany: (tx: Prisma.TransactionClient, keys: string[]) => Promise<Map<string, Current>>;
  parse: (cells: Cells, current: Current | null) => ParsedLine<Input>;
  /** The columns the line would change; none: the line is unchanged and nothing is written. */
  changes: (current: Current, input: Input, ctx: ImportContext) => string[];
  /** Creates or updates the object (refusing with an AppError); returns the config change's id. */
  write: (
    tx: Prisma.TransactionClient,
    actor: Actor,
    input: Input,
    current: Current | null,
    ctx: ImportContext,
  ) => Promise<string>;
};

// ---- cell values -------------------------------------------------------------------------------

/** Booleans as exported (true/false), with yes/no and 1/0 accepted; "" is "not given". */
export function boolCell(column: string, cell: string, problems: string[]): boolean | undefined {
  const value = cell.trim().toLowerCase();
  if (value === "") return undefined;
  if (["true", "yes", "1"].includes(value)) return true;
  if (["false", "no", "0"].includes(value)) return false;
  problems.push(`${column}: must be true or false (got "${cell}")`);
  return undefined;
}

export function intCell(column: string, cell: string, problems: string[]): number | undefined {
  const value = cell.trim();
  if (value === "") return undefined;
  if (/^\d{1,9}$/.test(value)) return Number(value);
  problems.push(`${column}: must be a whole number (got "${cell}")`);
  return undefined;
}

/** "" for none; "a;b" for lists; "k=v&k2=v2" (keys sorted, URL-encoded) for key-value params. */
export function formatCellValue(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(String).join(";");
  if (typeof value === "object") {
    return Object.entries(value as Record<string, string>)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join("&");
  }
  return String(value);
}

/** zod's issues as "column: message", every one of them. */
export function issueProblems(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  columnOf: (field: string) => string = (f) => f,
): string[] {
  return issues.map((i) => {
    const field = String(i.path[0] ?? "");
    return field ? `${columnOf(field)}: ${i.message}` : i.message;
  });
}

/** The given input fields whose value differs from the current cell of the same column. */
export function differingColumns(
  currentCells: Cells,
  input: Record<string, unknown>,
  columnOf: (field: string) => string = (f) => f,
): string[] {
  const out: string[] = [];
  for (const [field, value] of Object.entries(input)) {
    if (value === undefined) continue;
    const column = columnOf(field);
    if (!(column in currentCells)) continue;
    if (formatCellValue(value) !== currentCells[column]) out.push(column);
  }
  return out;
}

/** Splits keys for `IN (…)` lists well under SQLite's limit on bound variables. */
export function chunks<T>(items: T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
