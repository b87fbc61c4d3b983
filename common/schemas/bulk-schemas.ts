import { z } from "zod";

/**
 * Bulk import and export of configuration as CSV (RFC 4180): the inputs of the `bulk` tRPC
 * procedures and the report both the web page and the CLI show.
 */
export const BULK_KINDS = ["dn", "agentLogin", "user"] as const;
export type BulkKind = (typeof BULK_KINDS)[number];
export const zBulkKind = z.enum(BULK_KINDS, { error: "kind must be dn, agentLogin or user" });

/**
 * What one file may hold. Every line runs the services' checks and writes (~4.5 ms of CPU each,
 * measured) inside one transaction, during which a SQLite server's other queries wait (one
 * connection): 1,000 lines keep that to a few seconds. The bytes stay under the server's 1 MB
 * request body limit once JSON-encoded.
 */
export const BULK_MAX_ROWS = 1000;
export const BULK_MAX_BYTES = 768 * 1024;
/**
 * New users per import: each gets a generated password, hashed with bcrypt (~0.1 s each) before
 * the transaction opens, so 200 keep an apply under half a minute.
 */
export const BULK_MAX_NEW_USERS = 200;

/** Each kind's name in sentences, its export file and its key column (the one every import needs). */
export const BULK_LABELS: Record<BulkKind, { plural: string; file: string; key: string }> = {
  dn: { plural: "DNs", file: "forkline-dns.csv", key: "number" },
  agentLogin: { plural: "agent logins", file: "forkline-agent-logins.csv", key: "loginCode" },
  user: { plural: "users", file: "forkline-users.csv", key: "username" },
};

export const zBulkExportInput = z.object({ kind: zBulkKind });
export const zBulkImportInput = z.object({
  kind: zBulkKind,
  csv: z
    .string()
    .max(
      BULK_MAX_BYTES,
      `the file is larger than ${BULK_MAX_BYTES / 1024} KiB: split it into several imports`,
    ),
  /** false: a dry run (nothing is written); true: apply, all or nothing. */
  apply: z.boolean(),
});

export type BulkOutcome = "create" | "change" | "unchanged" | "refused";

export type BulkLine = {
  /** The line of the file the record starts on (the header is line 1). */
  line: number;
  /** The DN number, login code or username ("" when the line does not name one). */
  key: string;
  outcome: BulkOutcome;
  /** The columns a "change" changes (a SIP password shows as sipPassword, never its value). */
  fields: string[];
  /** Why a line is refused: every problem of the line, in the forms' words. */
  reason?: string;
};

export type BulkReport = {
  kind: BulkKind;
  /** Whether the changes were written (never when a line is refused). */
  applied: boolean;
  lines: BulkLine[];
  counts: Record<BulkOutcome, number>;
  /** Users created by an apply, with the generated initial password shown this once. */
  initialPasswords: { username: string; password: string }[];
};
