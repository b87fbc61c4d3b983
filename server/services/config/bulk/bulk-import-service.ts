import {
  BULK_MAX_BYTES,
  BULK_MAX_NEW_USERS,
  BULK_MAX_ROWS,
  type BulkKind,
  type BulkLine,
  type BulkOutcome,
  type BulkReport,
} from "../../../../common/schemas/bulk-schemas";
import { zUsername } from "../../../../common/schemas/config-schemas";
import { AppError, AppErrorCode } from "../../../errors/app-error";
import type { Actor } from "../../actor";
import { recordAudit } from "../../audit/record-audit";
import { hashPassword } from "../../auth/password-hash";
import { randomPassword } from "../../auth/secret-token";
import type { Db } from "../../db";
import { type ConfigChange, configEvents } from "../config-events";
import { type BulkKindSpec, type Cells, type ImportContext } from "./bulk-kind";
import { BULK_SPECS } from "./bulk-specs";
import { CsvSyntaxError, type CsvRecord, parseCsv, unguardCell } from "./csv-codec";

/**
 * Bulk import: every line is checked and written by the same service code as the forms, inside
 * one transaction. A dry run (and an apply with any refused line) throws that transaction away,
 * so both report exactly what an apply would do and only a clean apply commits: all or nothing.
 */
export async function importCsv(
  db: Db,
  actor: Actor,
  request: { kind: BulkKind; csv: string; apply: boolean },
  sipRealm: string,
): Promise<BulkReport> {
  const spec = BULK_SPECS[request.kind] as unknown as BulkKindSpec<unknown, unknown>;
  const table = readTable(spec, request.csv);
  const initialPasswords = request.apply && request.kind === "user" ? await newUserPasswords(db, table) : [];
  const ctx: ImportContext = {
    sipRealm,
    dryRun: !request.apply,
    passwordHashes: new Map(initialPasswords.map((p) => [p.username, p.hash])),
    createdUsers: [],
  };
  const changes: ConfigChange[] = [];
  try {
    const report = await db.$transaction(
      async (tx) => {
        const lines: BulkLine[] = [];
        const seen = new Map<string, number>();
        const saved = await spec.readMany(tx, [...new Set(table.records.map((r) => keyOf(table, r)))]);
        for (const record of table.records) {
          const line = await importLine(tx, actor, spec, table, record, { seen, saved }, ctx);
          lines.push(line.report);
          if (line.changed) changes.push({ entity: spec.entity, id: line.changed });
        }
        const report = summarize(request.kind, lines, false);
        if (!request.apply || report.counts.refused > 0) throw new RolledBack(report);
        await recordAudit(tx, actor, {
          action: "bulk.import",
          entity: "Import",
          entityId: request.kind,
          after: { lines: lines.length, ...report.counts },
        });
        return report;
      },
      { timeout: TRANSACTION_TIMEOUT_MS, maxWait: 10_000 },
    );
    for (const change of changes) configEvents.emitChange(change);
    const created = new Set(ctx.createdUsers);
    return {
      ...report,
      applied: true,
      initialPasswords: initialPasswords
        .filter((p) => created.has(p.username))
        .map(({ username, password }) => ({ username, password })),
    };
  } catch (error) {
    if (error instanceof RolledBack) return error.report;
    if (isTransactionTimeout(error)) {
      throw new AppError(
        AppErrorCode.UNAVAILABLE,
        `The import took longer than ${TRANSACTION_TIMEOUT_MS / 1000} s and was rolled back: nothing was written. Split the file, or try again when the server is less busy.`,
      );
    }
    throw error;
  }
}

/** How long an import's transaction may run (Prisma's default, 5 s, is too short for 1,000 lines). */
const TRANSACTION_TIMEOUT_MS = 120_000;

/** Prisma's P2028: the interactive transaction expired (or could not start in time). */
const isTransactionTimeout = (error: unknown) =>
  typeof error === "object" && error !== null && (error as { code?: unknown }).code === "P2028";

/** Thrown to end a transaction without committing it, carrying what the lines would have done. */
class RolledBack extends Error {
  constructor(readonly report: BulkReport) {
    super("rolled back");
  }
}

type Table = { columns: string[]; keyIndex: number; records: CsvRecord[] };

/** The file's header mapped to the kind's columns, and its records; anything else is refused whole. */
function readTable(spec: BulkKindSpec<unknown, unknown>, csv: string): Table {
  const refuse = (message: string) => new AppError(AppErrorCode.INVALID_INPUT, message);
  if (Buffer.byteLength(csv, "utf8") > BULK_MAX_BYTES) {
    throw refuse(`The file is larger than ${BULK_MAX_BYTES / 1024} KiB: split it into several imports.`);
  }
  let records: CsvRecord[];
  try {
    records = parseCsv(csv);
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw refuse(`The file is not valid CSV: ${error.message}.`);
    throw error;
  }
  const [header, ...rows] = records;
  if (!header) throw refuse(`The file is empty: it needs a header row (${spec.columns.join(",")}).`);
  const known = new Map(spec.columns.map((c) => [c.toLowerCase(), c]));
  const columns = header.cells.map((c) => known.get(c.trim().toLowerCase()) ?? c.trim());
  const unknown = columns.filter((c) => !spec.columns.includes(c));
  if (unknown.length > 0) {
    throw refuse(
      `Line 1: unknown column${unknown.length > 1 ? "s" : ""} ${unknown.map((c) => `"${c}"`).join(", ")}; the columns are ${spec.columns.join(", ")}.`,
    );
  }
  const twice = columns.find((c, i) => columns.indexOf(c) !== i);
  if (twice) throw refuse(`Line 1: the column ${twice} appears twice.`);
  const keyIndex = columns.indexOf(spec.keyColumn);
  if (keyIndex < 0) throw refuse(`Line 1: the ${spec.keyColumn} column is missing.`);
  if (rows.length > BULK_MAX_ROWS) {
    throw refuse(`The file has ${rows.length} lines; an import takes at most ${BULK_MAX_ROWS}: split it.`);
  }
  return { columns, keyIndex, records: rows };
}

const keyOf = (table: Table, record: CsvRecord) => (record.cells[table.keyIndex] ?? "").trim();

/**
 * One line: parsed, compared with the saved object, written by the service. `saved` was read
 * before the first line; a key is written at most once (a repeated key is refused), so each
 * line's saved object is still the one in the database when its turn comes.
 */
async function importLine(
  tx: Parameters<BulkKindSpec<unknown, unknown>["readMany"]>[0],
  actor: Actor,
  spec: BulkKindSpec<unknown, unknown>,
  table: Table,
  record: CsvRecord,
  known: { seen: Map<string, number>; saved: Map<string, unknown> },
  ctx: ImportContext,
): Promise<{ report: BulkLine; changed?: string }> {
  const { columns } = table;
  const { seen } = known;
  const key = keyOf(table, record);
  const at = (outcome: BulkOutcome, fields: string[] = [], reason?: string): BulkLine => ({
    line: record.line,
    key,
    outcome,
    fields,
    ...(reason === undefined ? {} : { reason }),
  });
  if (record.cells.length !== columns.length) {
    return {
      report: at(
        "refused",
        [],
        `${record.cells.length} fields where the header has ${columns.length} (a missing or extra comma?)`,
      ),
    };
  }
  const earlier = seen.get(key);
  if (key && earlier !== undefined) {
    return { report: at("refused", [], `${spec.keyColumn} ${key} is on line ${earlier} already`) };
  }
  seen.set(key, record.line);
  const cells: Cells = Object.fromEntries(columns.map((c, i) => [c, unguardCell(record.cells[i] ?? "")]));
  const current = known.saved.get(key) ?? null;
  const parsed = spec.parse(cells, current);
  if (!parsed.ok) return { report: at("refused", [], parsed.problems.join("; ")) };
  const fields = current ? spec.changes(current, parsed.input, ctx) : [];
  if (current && fields.length === 0) return { report: at("unchanged") };
  try {
    const id = await spec.write(tx, actor, parsed.input, current, ctx);
    return { report: at(current ? "change" : "create", fields), changed: id };
  } catch (error) {
    if (error instanceof AppError) return { report: at("refused", [], error.message) };
    throw error;
  }
}

function summarize(kind: BulkKind, lines: BulkLine[], applied: boolean): BulkReport {
  const counts: Record<BulkOutcome, number> = { create: 0, change: 0, unchanged: 0, refused: 0 };
  for (const line of lines) counts[line.outcome]++;
  return { kind, applied, lines, counts, initialPasswords: [] };
}

/**
 * Initial passwords for the users an apply will create, hashed before its transaction opens
 * (bcrypt takes ~0.1 s each; the transaction should not wait on it). Shown once in the report.
 */
async function newUserPasswords(db: Db, table: Table) {
  const names = [...new Set(table.records.map((r) => keyOf(table, r)))].filter(
    (name) => zUsername.safeParse(name).success,
  );
  const existing = new Set(
    (await db.user.findMany({ where: { username: { in: names } }, select: { username: true } })).map(
      (u) => u.username,
    ),
  );
  const out: { username: string; password: string; hash: string }[] = [];
  for (const username of names.filter((n) => !existing.has(n)).slice(0, BULK_MAX_NEW_USERS)) {
    const password = randomPassword();
    out.push({ username, password, hash: await hashPassword(password) });
  }
  return out;
}
