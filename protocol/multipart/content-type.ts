/**
 * Content-Type header values (RFC 2045 §5.1 grammar: `type "/" subtype *(";" parameter)`), as
 * used for SIP message bodies and for the headers of each part of a multipart body.
 */
import { ProtocolParseError } from "../protocol-parse-error";

export interface ParsedContentType {
  /** Lower-cased top-level type, e.g. `multipart`. */
  type: string;
  /** Lower-cased subtype, e.g. `mixed`. */
  subtype: string;
  /** Parameters by lower-cased name; quoted values are unquoted (backslash escapes removed). */
  params: Map<string, string>;
}

function fail(message: string): never {
  throw new ProtocolParseError("multipart", message);
}

/** RFC 2045 token: any US-ASCII CHAR except SPACE, CTLs and tspecials. */
const TOKEN_CHAR = /[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]/;

export function isToken(value: string): boolean {
  return /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$/.test(value);
}

/**
 * Parses a Content-Type value. Type, subtype and parameter names are case-insensitive and are
 * returned lower-cased; parameter values keep their case. A repeated parameter is refused, so a
 * body cannot carry two competing boundaries.
 */
export function parseContentType(value: string): ParsedContentType {
  const text = value;
  let pos = 0;
  const skipWs = (): void => {
    while (pos < text.length && (text[pos] === " " || text[pos] === "\t")) pos++;
  };
  const readToken = (what: string): string => {
    const start = pos;
    while (pos < text.length && TOKEN_CHAR.test(text[pos] ?? "")) pos++;
    if (pos === start) fail(`expected ${what} at offset ${start} of Content-Type "${value}"`);
    return text.slice(start, pos);
  };

  skipWs();
  const type = readToken("a media type").toLowerCase();
  skipWs();
  if (text[pos] !== "/") fail(`Content-Type "${value}" has no "/" between type and subtype`);
  pos++;
  skipWs();
  const subtype = readToken("a media subtype").toLowerCase();
  skipWs();

  const params = new Map<string, string>();
  while (pos < text.length) {
    if (text[pos] !== ";") fail(`unexpected "${text[pos]}" at offset ${pos} of Content-Type "${value}"`);
    pos++;
    skipWs();
    if (pos >= text.length) break; // a trailing ";" is tolerated
    if (text[pos] === ";") continue;
    const name = readToken("a parameter name").toLowerCase();
    skipWs();
    if (text[pos] !== "=") fail(`parameter "${name}" has no value in Content-Type "${value}"`);
    pos++;
    skipWs();
    let paramValue: string;
    if (text[pos] === '"') {
      pos++;
      let out = "";
      let closed = false;
      while (pos < text.length) {
        const ch = text[pos] ?? "";
        if (ch === "\\") {
          if (pos + 1 >= text.length) break;
          out += text[pos + 1];
          pos += 2;
        } else if (ch === '"') {
          pos++;
          closed = true;
          break;
        } else if (ch === "\r" || ch === "\n") {
          fail(`line break inside quoted parameter "${name}"`);
        } else {
          out += ch;
          pos++;
        }
      }
      if (!closed) fail(`unterminated quoted value for parameter "${name}"`);
      paramValue = out;
    } else {
      paramValue = readToken(`a value for parameter "${name}"`);
    }
    if (params.has(name)) fail(`parameter "${name}" appears more than once in Content-Type "${value}"`);
    params.set(name, paramValue);
    skipWs();
  }
  return { type, subtype, params };
}

/** Formats a parameter value as a token when it is one, otherwise as a quoted-string. */
export function formatParamValue(value: string): string {
  if (isToken(value)) return value;
  return `"${value.replace(/["\\]/g, (ch) => `\\${ch}`)}"`;
}
