/**
 * multipart/* bodies (RFC 2046 §5.1) as carried by SIP (RFC 5621), e.g. the SDP + recording
 * metadata body of a SIPREC INVITE (RFC 7866).
 *
 * RFC 2046 §5.1.1: "The Content-Type field for multipart entities requires one parameter,
 * "boundary". The boundary delimiter line is then defined as a line consisting entirely of two
 * hyphen characters ("-", decimal value 45) followed by the boundary parameter value from the
 * Content-Type header field, optional linear whitespace, and a terminating CRLF."
 *
 * RFC 2046 §5.1.1: "The boundary delimiter MUST occur at the beginning of a line, i.e., following
 * a CRLF, and the initial CRLF is considered to be attached to the boundary delimiter line rather
 * than part of the preceding part."
 */
import { createHash } from "node:crypto";

import { ProtocolParseError } from "../protocol-parse-error";
import { formatParamValue, parseContentType } from "./content-type";

export interface BodyPartHeader {
  name: string;
  value: string;
}

export interface BodyPart {
  /** The part's header fields in order, unfolded, names as written. Includes Content-Type. */
  headers: BodyPartHeader[];
  /** The part's Content-Type value as written (trimmed); "text/plain; charset=US-ASCII" when absent. */
  contentType: string;
  /** The part's body octets, without the CRLF that belongs to the next delimiter. */
  body: Buffer;
}

export interface SerializablePart {
  contentType: string;
  /** Further part headers (Content-Disposition, Content-ID, ...). A Content-Type here is refused. */
  headers?: BodyPartHeader[];
  body: Buffer | string;
}

/** Most body parts accepted in one multipart body. */
export const MAX_MULTIPART_PARTS = 16;

/**
 * RFC 2046 §5.1.1: "The only mandatory global parameter for the "multipart" media type is the
 * boundary parameter, which consists of 1 to 70 characters from a set of characters known to be
 * very robust through mail gateways, and NOT ending with white space."
 */
export const MAX_BOUNDARY_LENGTH = 70;

/** RFC 2046 §5.1.1 `bchars` (`bcharsnospace` plus space). */
const BCHARS = /^[0-9A-Za-z'()+_,\-./:=? ]*$/;

/**
 * Used when a part has no Content-Type. RFC 2046 §5.1: "NO header fields are actually required in
 * body parts. A body part that starts with a blank line, therefore, is allowed and is a body part
 * for which all default values are to be assumed. In such a case, the absence of a Content-Type
 * header usually indicates that the corresponding body has a content-type of "text/plain;
 * charset=US-ASCII"."
 */
const DEFAULT_PART_CONTENT_TYPE = "text/plain; charset=US-ASCII";

function fail(message: string): never {
  throw new ProtocolParseError("multipart", message);
}

function checkBoundary(boundary: string, where: string): void {
  if (boundary.length === 0) fail(`${where}: boundary is empty`);
  if (boundary.length > MAX_BOUNDARY_LENGTH)
    fail(`${where}: boundary is ${boundary.length} characters, more than ${MAX_BOUNDARY_LENGTH}`);
  if (!BCHARS.test(boundary))
    fail(`${where}: boundary "${boundary}" contains characters outside RFC 2046 bchars`);
  if (boundary.endsWith(" ")) fail(`${where}: boundary ends with white space`);
}

/** A line of the body: [start, end) excludes the line break; next is where the following line starts. */
interface Line {
  start: number;
  end: number;
  next: number;
}

function* lines(body: Buffer): Generator<Line> {
  let start = 0;
  while (start < body.length) {
    const lf = body.indexOf(0x0a, start);
    if (lf === -1) {
      yield { start, end: body.length, next: body.length };
      return;
    }
    const end = lf > start && body[lf - 1] === 0x0d ? lf - 1 : lf;
    yield { start, end, next: lf + 1 };
    start = lf + 1;
  }
}

function isWhitespaceOnly(bytes: Buffer): boolean {
  for (const byte of bytes) if (byte !== 0x20 && byte !== 0x09) return false;
  return true;
}

/**
 * Parses a multipart body. Preamble and epilogue are ignored; lines may end in CRLF or a bare LF.
 * Refuses a Content-Type without a usable boundary, a body without a closing delimiter, and a body
 * with no parts or more than {@link MAX_MULTIPART_PARTS}.
 */
export function parseMultipart(body: Buffer, contentTypeHeader: string): BodyPart[] {
  const contentType = parseContentType(contentTypeHeader);
  if (contentType.type !== "multipart")
    fail(`Content-Type "${contentType.type}/${contentType.subtype}" is not multipart`);
  const boundary = contentType.params.get("boundary");
  if (boundary === undefined) fail(`Content-Type "${contentTypeHeader}" has no boundary parameter`);
  checkBoundary(boundary, "Content-Type");

  // RFC 2046 §5.1.1: "NOTE TO IMPLEMENTORS: Boundary string comparisons must compare the boundary
  // value with the beginning of each candidate line. An exact match of the entire candidate line
  // is not required; it is sufficient that the boundary appear in its entirety following the CRLF."
  const dashBoundary = Buffer.from(`--${boundary}`, "latin1");

  const spans: { start: number; end: number }[] = [];
  let partStart = -1;
  let previousLineEnd = 0;
  let closed = false;
  for (const line of lines(body)) {
    const isDelimiter =
      line.end - line.start >= dashBoundary.length &&
      body.compare(dashBoundary, 0, dashBoundary.length, line.start, line.start + dashBoundary.length) === 0;
    if (isDelimiter) {
      const rest = body.subarray(line.start + dashBoundary.length, line.end);
      const isClose = rest.length >= 2 && rest[0] === 0x2d && rest[1] === 0x2d;
      if (!isClose && !isWhitespaceOnly(rest)) {
        // A longer boundary sharing our prefix: ordinary part content, not a delimiter.
        previousLineEnd = line.end;
        continue;
      }
      // The line break before a delimiter belongs to the delimiter, not to the part.
      if (partStart !== -1) spans.push({ start: partStart, end: Math.max(partStart, previousLineEnd) });
      if (spans.length > MAX_MULTIPART_PARTS) fail(`body has more than ${MAX_MULTIPART_PARTS} parts`);
      if (isClose) {
        // RFC 2046 §5.1.1: "implementations must ignore anything that appears before the first
        // boundary delimiter line or after the last one."
        closed = true;
        break;
      }
      partStart = line.next;
    }
    previousLineEnd = line.end;
  }

  if (!closed) {
    if (partStart === -1) fail(`body contains no "--${boundary}" delimiter line`);
    fail(`body has no closing "--${boundary}--" delimiter`);
  }
  if (spans.length === 0) fail("body has no parts");
  return spans.map((span, index) => parsePart(body.subarray(span.start, span.end), index + 1));
}

function parsePart(part: Buffer, index: number): BodyPart {
  const headers: BodyPartHeader[] = [];
  let bodyStart = part.length;
  let sawBlankLine = false;
  for (const line of lines(part)) {
    if (line.end === line.start) {
      bodyStart = line.next;
      sawBlankLine = true;
      break;
    }
    const text = part.toString("latin1", line.start, line.end);
    if (text.startsWith(" ") || text.startsWith("\t")) {
      const last = headers[headers.length - 1];
      if (last === undefined) fail(`part ${index}: continuation line before any header field`);
      last.value = `${last.value} ${text.trim()}`.trim();
      continue;
    }
    const colon = text.indexOf(":");
    if (colon <= 0) {
      fail(`part ${index}: "${text.slice(0, 40)}" is not a header field (missing blank line after headers?)`);
    }
    const name = text.slice(0, colon).trim();
    if (!/^[!-9;-~]+$/.test(name)) fail(`part ${index}: invalid header field name "${name}"`);
    headers.push({ name, value: text.slice(colon + 1).trim() });
  }
  // A part with header fields but no blank line after them is taken as having an empty body.
  const body = sawBlankLine ? part.subarray(bodyStart) : Buffer.alloc(0);

  const contentTypes = headers.filter((h) => h.name.toLowerCase() === "content-type");
  if (contentTypes.length > 1) fail(`part ${index}: more than one Content-Type header field`);
  const contentType = contentTypes[0]?.value ?? DEFAULT_PART_CONTENT_TYPE;
  parseContentType(contentType); // refuse a malformed part Content-Type here, naming the codec
  return { headers, contentType, body: Buffer.from(body) };
}

function toBuffer(body: Buffer | string): Buffer {
  return typeof body === "string" ? Buffer.from(body, "utf8") : body;
}

function checkHeaderField(name: string, value: string, index: number): void {
  if (!/^[!-9;-~]+$/.test(name)) fail(`part ${index}: invalid header field name "${name}"`);
  if (/[\r\n]/.test(value)) fail(`part ${index}: header field "${name}" contains a line break`);
}

/**
 * RFC 2046 §5.1.1: "NOTE: Because boundary delimiters must not appear in the body parts being
 * encapsulated, a user agent must exercise care to choose a unique boundary parameter value."
 * Checks every line of every serialized part for a line starting with `--boundary`.
 */
function boundaryCollides(boundary: string, encodedParts: readonly Buffer[]): boolean {
  const dashBoundary = Buffer.from(`--${boundary}`, "latin1");
  return encodedParts.some((part) => {
    for (const line of lines(part)) {
      if (
        line.end - line.start >= dashBoundary.length &&
        part.compare(dashBoundary, 0, dashBoundary.length, line.start, line.start + dashBoundary.length) === 0
      )
        return true;
    }
    return false;
  });
}

/**
 * A boundary derived from the content itself (SHA-256), so serialization stays deterministic and
 * pure; re-derived with a counter in the unlikely case it collides with a part's line.
 */
function deriveBoundary(encodedParts: readonly Buffer[]): string {
  for (let attempt = 0; attempt < 16; attempt++) {
    const hash = createHash("sha256");
    hash.update(String(attempt));
    for (const part of encodedParts) hash.update(part);
    const boundary = `forkline-${hash.digest("hex").slice(0, 32)}`;
    if (!boundaryCollides(boundary, encodedParts)) return boundary;
  }
  fail("could not derive a boundary that does not collide with the parts");
}

/**
 * Serializes parts as multipart/mixed with CRLF line ends, no preamble and no epilogue. Returns the
 * Content-Type to send with it, e.g. `multipart/mixed;boundary=foobar`.
 */
export function serializeMultipart(
  parts: readonly SerializablePart[],
  boundary?: string,
): { contentType: string; body: Buffer } {
  if (parts.length === 0) fail("cannot serialize a multipart body with no parts");
  if (parts.length > MAX_MULTIPART_PARTS) fail(`cannot serialize more than ${MAX_MULTIPART_PARTS} parts`);

  const encoded = parts.map((part, i) => {
    const index = i + 1;
    parseContentType(part.contentType);
    checkHeaderField("Content-Type", part.contentType, index);
    let head = `Content-Type: ${part.contentType}\r\n`;
    for (const header of part.headers ?? []) {
      if (header.name.toLowerCase() === "content-type")
        fail(`part ${index}: give the Content-Type as contentType, not as an extra header`);
      checkHeaderField(header.name, header.value, index);
      head += `${header.name}: ${header.value}\r\n`;
    }
    return Buffer.concat([Buffer.from(`${head}\r\n`, "latin1"), toBuffer(part.body)]);
  });

  let chosen: string;
  if (boundary === undefined) {
    chosen = deriveBoundary(encoded);
  } else {
    checkBoundary(boundary, "serializeMultipart");
    if (boundaryCollides(boundary, encoded)) fail(`boundary "${boundary}" appears inside a part`);
    chosen = boundary;
  }

  const chunks: Buffer[] = [];
  for (const part of encoded) {
    chunks.push(Buffer.from(`--${chosen}\r\n`, "latin1"), part, Buffer.from("\r\n", "latin1"));
  }
  chunks.push(Buffer.from(`--${chosen}--\r\n`, "latin1"));
  return {
    contentType: `multipart/mixed;boundary=${formatParamValue(chosen)}`,
    body: Buffer.concat(chunks),
  };
}
