import fs from "node:fs";
import type { Command } from "commander";
import { BULK_LABELS, BULK_MAX_BYTES, type BulkKind, type BulkReport } from "../common/schemas/bulk-schemas";
import { type ForklineClient, UsageError } from "./connect";
import { printRecords } from "./print-records";

/**
 * `export` and `import <file>` under a command group (dn, agent, user): export writes the CSV to
 * standard output; import shows what each line does (a dry run with --dry-run) and exits 1 when
 * any line is refused, in which case nothing is written.
 */
export function addBulkCommands(
  group: Command,
  kind: BulkKind,
  cli: { json: () => boolean; client: () => ForklineClient },
): void {
  const { plural } = BULK_LABELS[kind];
  group
    .command("export")
    .description(`write every one of the ${plural} as CSV to standard output (no secrets)`)
    .action(async () => {
      const { csv } = await cli.client().bulk.export.query({ kind });
      process.stdout.write(csv);
    });
  group
    .command("import <file>")
    .description(
      `create or change ${plural} from a CSV file ("-": standard input): every line or, if one is refused, none`,
    )
    .option("--dry-run", "only show what each line would do; write nothing")
    .action(async (file: string, opts: { dryRun?: boolean }) => {
      const csv = readCsvFile(file);
      const report = await cli.client().bulk.import.mutate({ kind, csv, apply: !opts.dryRun });
      printReport(cli.json(), report);
      if (report.counts.refused > 0) process.exitCode = 1;
    });
}

function readCsvFile(file: string): string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file === "-" ? 0 : file);
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  if (bytes.length > BULK_MAX_BYTES) {
    throw new UsageError(
      `${file} is ${Math.ceil(bytes.length / 1024)} KiB; an import takes at most ${BULK_MAX_BYTES / 1024} KiB: split it`,
    );
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`${file} is not UTF-8 text: save it as "CSV UTF-8"`);
  }
}

function printReport(asJson: boolean, report: BulkReport): void {
  if (asJson) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  printRecords(
    false,
    report.lines.map((l) => ({
      line: l.line,
      key: l.key,
      outcome: l.outcome,
      details: l.outcome === "refused" ? l.reason : l.fields.join(", "),
    })),
    ["line", "key", "outcome", "details"],
  );
  const { create, change, unchanged, refused } = report.counts;
  const summary = report.applied
    ? `applied: ${create} created, ${change} changed, ${unchanged} unchanged`
    : refused > 0
      ? `${refused} refused: nothing written (${create} to create, ${change} to change, ${unchanged} unchanged)`
      : `dry run: ${create} to create, ${change} to change, ${unchanged} unchanged; nothing written`;
  process.stdout.write(`\n${summary}\n`);
  if (report.initialPasswords.length > 0) {
    process.stdout.write("\nInitial passwords (shown only this once; give each to its user):\n");
    printRecords(false, report.initialPasswords, ["username", "password"]);
  }
}
