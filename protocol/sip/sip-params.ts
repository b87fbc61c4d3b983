import { ProtocolParseError } from "../protocol-parse-error";

/**
 * Parameters of a URI or header field value. RFC 3261 §7.3.1: "Unless otherwise stated in the
 * definition of a particular header field, field values, parameter names, and parameter values
 * are case-insensitive." Names are kept lower-cased; values as written (a quoted value keeps its
 * quotes, see unquote()); a parameter without "=" has the value null.
 */
export type SipParams = Map<string, string | null>;

// RFC 3261 §25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" )
export const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

/**
 * Splits at `separator` outside quoted strings and angle brackets: RFC 3261 §7.3.1 "it MUST be
 * possible to combine the multiple header field rows into one "field-name: field-value" pair,
 * without changing the semantics of the message, by appending each subsequent field-value to the
 * first, each separated by a comma."
 */
export function splitTopLevel(value: string, separator: "," | ";"): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === "<") angle = true;
    else if (c === ">") angle = false;
    else if (c === separator && !angle) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  if (quoted) throw new ProtocolParseError("sip", `unterminated quoted string in "${value}"`);
  parts.push(value.slice(start));
  return parts;
}

/** Every comma-separated value of one header row, trimmed, empty ones dropped. */
export function splitHeaderValues(value: string): string[] {
  return splitTopLevel(value, ",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

/**
 * Reads `;name[=value]` pairs (the text after the first ";"). LWS is allowed around ";" and "="
 * (RFC 3261 §25.1 SEMI and EQUAL are defined with SWS on both sides).
 */
export function parseParams(text: string, where: string): SipParams {
  const params: SipParams = new Map();
  if (text.trim() === "") return params;
  for (const raw of splitTopLevel(text, ";")) {
    const part = raw.trim();
    if (part === "") throw new ProtocolParseError("sip", `empty parameter in ${where}`);
    const eq = part.indexOf("=");
    const name = (eq === -1 ? part : part.slice(0, eq)).trim();
    if (!TOKEN.test(name)) throw new ProtocolParseError("sip", `bad parameter name "${name}" in ${where}`);
    if (eq === -1) {
      params.set(name.toLowerCase(), null);
      continue;
    }
    const value = part.slice(eq + 1).trim();
    if (value === "")
      throw new ProtocolParseError("sip", `parameter "${name}" has an empty value in ${where}`);
    if (value.startsWith('"')) {
      if (!isQuotedString(value))
        throw new ProtocolParseError("sip", `bad quoted value for "${name}" in ${where}`);
    } else if (/[\s"<>]/.test(value)) {
      throw new ProtocolParseError("sip", `bad value for parameter "${name}" in ${where}`);
    }
    params.set(name.toLowerCase(), value);
  }
  return params;
}

export function formatParams(params: ReadonlyMap<string, string | null>): string {
  let out = "";
  for (const [name, value] of params) out += value === null ? `;${name}` : `;${name}=${value}`;
  return out;
}

function isQuotedString(value: string): boolean {
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) return false;
  for (let i = 1; i < value.length - 1; i++) {
    if (value[i] === "\\") i++;
    else if (value[i] === '"') return false;
  }
  return true;
}

/** RFC 3261 §25.1 quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F): the backslash is dropped. */
export function unquote(value: string): string {
  if (!value.startsWith('"')) return value;
  let out = "";
  for (let i = 1; i < value.length - 1; i++) {
    if (value[i] === "\\") i++;
    out += value[i] ?? "";
  }
  return out;
}

export function quote(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
