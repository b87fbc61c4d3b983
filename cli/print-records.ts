/** Prints rows as JSON (for scripts) or as an aligned table (for people). */
export function printRecords(asJson: boolean, rows: Record<string, unknown>[], columns: string[]): void {
  if (asJson) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  const cell = (v: unknown) =>
    v === null || v === undefined ? "" : v instanceof Date ? v.toISOString() : String(v);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  process.stdout.write(`${line(columns)}\n`);
  for (const r of rows) process.stdout.write(`${line(columns.map((c) => cell(r[c])))}\n`);
}

/** One result (a saved DN, a deleted name): a JSON object for scripts, a one-row table for people. */
export function printRecord(asJson: boolean, row: Record<string, unknown>, columns: string[]): void {
  if (asJson) process.stdout.write(`${JSON.stringify(row, null, 2)}\n`);
  else printRecords(false, [row], columns);
}
