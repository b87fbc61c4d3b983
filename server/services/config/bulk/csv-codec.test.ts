import { describe, expect, it } from "vitest";
import { CsvSyntaxError, formatCsv, guardCell, parseCsv, unguardCell } from "./csv-codec";

const cells = (text: string) => parseCsv(text).map((r) => r.cells);

describe("parseCsv (RFC 4180)", () => {
  it("reads a header and records with CRLF line ends, and the line each starts on", () => {
    expect(parseCsv("number,type\r\n1001,extension\r\n1002,extension\r\n")).toEqual([
      { line: 1, cells: ["number", "type"] },
      { line: 2, cells: ["1001", "extension"] },
      { line: 3, cells: ["1002", "extension"] },
    ]);
  });

  it("accepts LF and CR line ends and a last record without a line end", () => {
    expect(cells("a,b\n1,2\n3,4")).toEqual([
      ["a", "b"],
      ["1", "2"],
      ["3", "4"],
    ]);
    expect(cells("a,b\r1,2\r")).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
  });

  it("skips a UTF-8 byte order mark and keeps UTF-8 text", () => {
    expect(cells("\uFEFFnumber,displayName\r\n1001,Zoë Müller 日本\r\n")).toEqual([
      ["number", "displayName"],
      ["1001", "Zoë Müller 日本"],
    ]);
  });

  it("reads quoted fields: commas, doubled quotes, embedded CRLF and LF, empty quoted", () => {
    const text = 'a,b,c\r\n"x, y","say ""hi""","two\r\nlines"\r\n"",,"l1\nl2"\r\nlast,1,2\r\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, cells: ["a", "b", "c"] },
      { line: 2, cells: ["x, y", 'say "hi"', "two\r\nlines"] },
      { line: 4, cells: ["", "", "l1\nl2"] },
      { line: 6, cells: ["last", "1", "2"] },
    ]);
  });

  it("skips blank lines but counts them, and keeps empty fields", () => {
    expect(parseCsv("a,b\r\n\r\n1,\r\n,\r\n\n")).toEqual([
      { line: 1, cells: ["a", "b"] },
      { line: 3, cells: ["1", ""] },
      { line: 4, cells: ["", ""] },
    ]);
    expect(parseCsv("")).toEqual([]);
    expect(parseCsv("\uFEFF")).toEqual([]);
  });

  it("refuses bad quoting with the line it is on", () => {
    const failure = (text: string) => {
      try {
        parseCsv(text);
      } catch (error) {
        expect(error).toBeInstanceOf(CsvSyntaxError);
        return (error as Error).message;
      }
      throw new Error("no error");
    };
    expect(failure('a,b\r\n1,2\r\n3,ab"c\r\n')).toBe(
      'line 3: a quote inside an unquoted field (put the field in quotes and write the quote as "")',
    );
    expect(failure('a,b\r\n"x"y,2\r\n')).toBe(
      'line 2: text after the closing quote of a quoted field (a quote inside quotes is written "")',
    );
    // The quote opened on line 2 swallows the rest of the file: the error names where it opened.
    expect(failure('a,b\r\n"open,2\r\n3,4\r\n5,6\r\n')).toBe(
      'line 2: a quoted field is never closed (a missing ")',
    );
    // A field with a line break inside counts its lines: the error after it is on line 4.
    expect(failure('a,b\r\n"one\r\ntwo",x\r\n1,2"\r\n')).toMatch(/^line 4: /);
  });
});

describe("formatCsv", () => {
  it("writes CRLF records, quotes what needs it and reads back the same", () => {
    const rows = [
      ["1001", "Smith, Ann", 'the "boss"', "two\nlines", " padded ", "", "日本"],
      ["1002", "plain", "x", "y", "z", "", "Zoë"],
    ];
    const header = ["a", "b", "c", "d", "e", "f", "g"];
    const text = formatCsv(header, rows);
    expect(text.split("\r\n")[1]).toBe('1001,"Smith, Ann","the ""boss""","two\nlines"," padded ",,日本');
    expect(text.endsWith("\r\n")).toBe(true);
    expect(cells(text)).toEqual([header, ...rows]);
  });

  it("guards cells a spreadsheet would run as formulas, and the import takes the guard away", () => {
    const evil = ['=HYPERLINK("http://x")', "+4930123", "-1", "@SUM(A1)", "\tx", "ok", "'quoted"];
    const text = formatCsv(
      ["v"],
      evil.map((v) => [v]),
    );
    const read = cells(text)
      .slice(1)
      .map((r) => r[0]!);
    expect(read).toEqual([
      '\'=HYPERLINK("http://x")',
      "'+4930123",
      "'-1",
      "'@SUM(A1)",
      "'\tx",
      "ok",
      "'quoted",
    ]);
    expect(read.map(unguardCell)).toEqual(evil);
    expect(guardCell("1001")).toBe("1001");
  });
});
