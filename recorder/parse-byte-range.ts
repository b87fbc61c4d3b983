/** What a Range header asks of a representation of `size` bytes (RFC 9110 §14). */
export type ByteRangeRequest =
  /** No Range header, one the server may ignore, or several ranges: the whole file, 200. */
  | { kind: "whole" }
  /** One satisfiable range, inclusive offsets: 206 with Content-Range. */
  | { kind: "partial"; start: number; end: number }
  /** Nothing of the file matches: 416, with a Content-Range that gives only the size. */
  | { kind: "unsatisfiable" };

const ONE_RANGE = /^bytes=\s*(\d*)-(\d*)\s*$/;

/**
 * The byte range a `Range` header asks for: `bytes=a-b`, `bytes=a-` (from a to the end) and
 * `bytes=-n` (the last n bytes), a `b` beyond the end being cut to the end (RFC 9110 §14.1.2).
 *
 * Several ranges are answered with the whole file: RFC 9110 §14.2 "A server MAY ignore the Range
 * header field", and a browser's <audio> element only ever asks for one; multipart/byteranges
 * would be code no client of ours uses. A header in another unit or malformed is ignored the same
 * way ("the recipient SHOULD ignore ... an invalid ranges-specifier", §14.2).
 */
export function parseByteRange(header: string | undefined, size: number): ByteRangeRequest {
  if (header === undefined) return { kind: "whole" };
  if (header.includes(",")) return { kind: "whole" };
  const match = ONE_RANGE.exec(header);
  if (match === null) return { kind: "whole" };
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return { kind: "whole" };
  if (first === "") {
    // A suffix range: the last n bytes, all of them when n exceeds the size; none of an empty
    // file or of a zero-length suffix (§14.1.3: "unsatisfiable").
    const n = Number(last);
    if (n === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "partial", start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Number(last);
  if (last !== "" && end < start) return { kind: "whole" }; // invalid (§14.1.1: last-pos >= first-pos), ignored
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "partial", start, end: Math.min(end, size - 1) };
}
