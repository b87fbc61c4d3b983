/**
 * CSV as RFC 4180 writes it, read a little more leniently: a UTF-8 byte order mark (Excel's "CSV
 * UTF-8") is skipped, records may end in CRLF, LF or CR, blank lines are skipped. Quoting is
 * strict: a quote inside an unquoted field, text after a closing quote or a quote never closed is
 * an error naming the line, since guessing there would shift every later column.
 */

/** One record and the line of the file it starts on (a quoted field may span lines). */
export type CsvRecord = { line: number; cells: string[] };

export class CsvSyntaxError extends Error {
  override readonly name = "CsvSyntaxError";

  constructor(
    readonly line: number,
    problem: string,
  ) {
    super(`line ${line}: ${problem}`);
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

const BOM = "\uFEFF";

export function parseCsv(input: string): CsvRecord[] {
  const text = input.startsWith(BOM) ? input.slice(1) : input;
  const n = text.length;
  const records: CsvRecord[] = [];
  let line = 1;
  let recordLine = 1;
  let cells: string[] = [];
  let lastQuoted = false;
  let i = 0;
  for (;;) {
    let cell: string;
    if (text[i] === '"') {
      const openedOn = line;
      cell = "";
      i++;
      for (;;) {
        if (i >= n) throw new CsvSyntaxError(openedOn, 'a quoted field is never closed (a missing ")');
        const c = text[i]!;
        if (c === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (c === "\n" || (c === "\r" && text[i + 1] !== "\n")) line++;
        cell += c;
        i++;
      }
      if (i < n && text[i] !== "," && text[i] !== "\n" && text[i] !== "\r") {
        throw new CsvSyntaxError(
          line,
          'text after the closing quote of a quoted field (a quote inside quotes is written "")',
        );
      }
      lastQuoted = true;
    } else {
      let j = i;
      while (j < n && text[j] !== "," && text[j] !== "\n" && text[j] !== "\r") {
        if (text[j] === '"') {
          throw new CsvSyntaxError(
            line,
            'a quote inside an unquoted field (put the field in quotes and write the quote as "")',
          );
        }
        j++;
      }
      cell = text.slice(i, j);
      i = j;
      lastQuoted = false;
    }
    cells.push(cell);
    if (i < n && text[i] === ",") {
      i++;
      continue;
    }
    // End of the record: a line break or the end of the text.
    const blank = cells.length === 1 && cells[0] === "" && !lastQuoted;
    if (!blank) records.push({ line: recordLine, cells });
    if (i >= n) return records;
    i += text[i] === "\r" && text[i + 1] === "\n" ? 2 : 1;
    line++;
    if (i >= n) return records;
    cells = [];
    recordLine = line;
  }
}

/**
 * Cells a spreadsheet would run as a formula (CSV injection): = + - @, tab and CR at the start.
 * Exports prefix them with ' (shown as text by spreadsheets); imports take that ' away again.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function guardCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export function unguardCell(value: string): string {
  return value.startsWith("'") && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;
}

function quoteCell(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One cell as written to a CSV file: formula cells guarded, then quoted where needed. */
export function formatCsvCell(value: string): string {
  return quoteCell(guardCell(value));
}

/** A header and rows as CSV text: CRLF line ends, quoted where needed, formula cells guarded. */
export function formatCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => cells.map(formatCsvCell).join(",");
  return [header, ...rows].map((r) => `${line(r)}\r\n`).join("");
}
