/**
 * RFC 3261 §7.3.3: "SIP provides a mechanism to represent common header field names in an
 * abbreviated form." Compact forms from RFC 3261 §20 and the extensions that define one
 * (RFC 3265 o/u, RFC 3515 r, RFC 3892 b, RFC 3841 a/j/d, RFC 4028 x, RFC 3903 -, RFC 4474 y/n).
 */
const COMPACT_FORMS: Readonly<Record<string, string>> = {
  i: "Call-ID",
  m: "Contact",
  e: "Content-Encoding",
  l: "Content-Length",
  c: "Content-Type",
  f: "From",
  s: "Subject",
  k: "Supported",
  t: "To",
  v: "Via",
  o: "Event",
  u: "Allow-Events",
  r: "Refer-To",
  b: "Referred-By",
  a: "Accept-Contact",
  j: "Reject-Contact",
  d: "Request-Disposition",
  x: "Session-Expires",
  y: "Identity",
  n: "Identity-Info",
};

/** The conventional spelling of header names we know, so serialized messages look familiar. */
const CANONICAL_NAMES = [
  "Accept",
  "Accept-Contact",
  "Accept-Encoding",
  "Accept-Language",
  "Alert-Info",
  "Allow",
  "Allow-Events",
  "Authentication-Info",
  "Authorization",
  "Call-ID",
  "Call-Info",
  "Contact",
  "Content-Disposition",
  "Content-Encoding",
  "Content-Language",
  "Content-Length",
  "Content-Type",
  "CSeq",
  "Date",
  "Error-Info",
  "Event",
  "Expires",
  "From",
  "Identity",
  "Identity-Info",
  "In-Reply-To",
  "Max-Forwards",
  "Min-Expires",
  "Min-SE",
  "MIME-Version",
  "Organization",
  "P-Asserted-Identity",
  "Priority",
  "Proxy-Authenticate",
  "Proxy-Authorization",
  "Proxy-Require",
  "Reason",
  "Record-Route",
  "Refer-To",
  "Referred-By",
  "Reject-Contact",
  "Reply-To",
  "Request-Disposition",
  "Require",
  "Retry-After",
  "Route",
  "Server",
  "Session-Expires",
  "Subject",
  "Subscription-State",
  "Supported",
  "Timestamp",
  "To",
  "Unsupported",
  "User-Agent",
  "Via",
  "Warning",
  "WWW-Authenticate",
];
const CANONICAL = new Map(CANONICAL_NAMES.map((name) => [name.toLowerCase(), name]));

/**
 * RFC 3261 §7.3.1: "Field names are always case-insensitive." Returns the long form in its
 * conventional spelling for known fields, the name as given otherwise.
 */
export function canonicalHeaderName(name: string): string {
  const lower = name.toLowerCase();
  const expanded = COMPACT_FORMS[lower];
  if (expanded !== undefined) return expanded;
  return CANONICAL.get(lower) ?? name;
}

export interface SipHeaderField {
  readonly name: string;
  readonly value: string;
}

/**
 * The header fields of a message, in the order received. Rows are kept as they came (a row may
 * hold several comma-separated values, RFC 3261 §7.3.1); lookups are case-insensitive and treat
 * compact and long forms as the same field.
 */
export class SipHeaders {
  private readonly fields: { name: string; key: string; value: string }[] = [];

  constructor(fields: Iterable<SipHeaderField> = []) {
    for (const field of fields) this.append(field.name, field.value);
  }

  private static key(name: string): string {
    return canonicalHeaderName(name).toLowerCase();
  }

  /** The first row's value, or undefined. */
  get(name: string): string | undefined {
    const key = SipHeaders.key(name);
    return this.fields.find((field) => field.key === key)?.value;
  }

  /** Every row's value, in order. */
  getAll(name: string): string[] {
    const key = SipHeaders.key(name);
    return this.fields.filter((field) => field.key === key).map((field) => field.value);
  }

  has(name: string): boolean {
    const key = SipHeaders.key(name);
    return this.fields.some((field) => field.key === key);
  }

  append(name: string, value: string): void {
    this.fields.push({ name: canonicalHeaderName(name), key: SipHeaders.key(name), value });
  }

  /** Replaces every row of the field by one row, where the first one was (or at the end). */
  set(name: string, value: string): void {
    const key = SipHeaders.key(name);
    const index = this.fields.findIndex((field) => field.key === key);
    if (index === -1) {
      this.append(name, value);
      return;
    }
    this.fields[index] = { name: canonicalHeaderName(name), key, value };
    for (let i = this.fields.length - 1; i > index; i--) {
      if (this.fields[i]!.key === key) this.fields.splice(i, 1);
    }
  }

  delete(name: string): void {
    const key = SipHeaders.key(name);
    for (let i = this.fields.length - 1; i >= 0; i--) {
      if (this.fields[i]!.key === key) this.fields.splice(i, 1);
    }
  }

  get size(): number {
    return this.fields.length;
  }

  *entries(): IterableIterator<[string, string]> {
    for (const field of this.fields) yield [field.name, field.value];
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  clone(): SipHeaders {
    const copy = new SipHeaders();
    for (const [name, value] of this.entries()) copy.append(name, value);
    return copy;
  }
}
