/**
 * Answering a request the codec refused. The bytes never became a SipRequest, so the few header
 * fields a response needs (RFC 3261 §8.2.6.2: From, Call-ID, CSeq, Via and To copied from the
 * request) are picked out of the text leniently here. Nothing else is read from it.
 */

/** How to answer bytes the codec refused: a status, or nothing (a response, an ACK, no request). */
export interface MalformedRequestAnswer {
  readonly status: 400 | 505;
  /** The reason phrase when not the parse error's own message. */
  readonly reason?: string;
}

const START_LINE = /^(\S+) .*? SIP\/(\d+\.\d+)\s*$/;

/**
 * Whether and how to answer request-looking bytes that did not parse (RFC 3261 §18.3: "If the
 * message is a request, the element SHOULD generate a 400 (Bad Request) response"). Beyond a
 * well-formed start line, this answers a start line with spaces in its Request-URI or odd bytes
 * in its method (400), another SIP version (505: §21.5.26, "The server does not support, or
 * refuses to support, the SIP protocol version that was used in the request"), and a request
 * line after a line of garbage when the text carries a Via (400). Never an ACK (§17), never
 * anything that starts like a response.
 */
export function malformedRequestAnswer(raw: Buffer): MalformedRequestAnswer | undefined {
  const head = raw
    .subarray(0, 2048)
    .toString("latin1")
    .replace(/^(?:\r?\n)+/, "");
  const lines = head.split(/\r?\n/, 8);
  const first = lines[0] ?? "";
  if (/^SIP\//i.test(first)) return undefined;
  const cseqMethod = /^CSeq\s*:\s*\d+\s+(\S+)/im.exec(head)?.[1];
  if (cseqMethod?.toUpperCase() === "ACK") return undefined;
  const start = START_LINE.exec(first);
  if (start !== null) {
    if (start[1]!.toUpperCase() === "ACK") return undefined;
    if (start[2] !== "2.0") return { status: 505, reason: `SIP/${start[2]} Not Supported` };
    return { status: 400 };
  }
  const hasVia = /^(?:Via|v)\s*:/im.test(head);
  const later = lines.slice(1, 4).find((line) => START_LINE.exec(line)?.[2] === "2.0");
  if (hasVia && later !== undefined && !/^ACK /i.test(later)) {
    return { status: 400, reason: "Garbage before the request line" };
  }
  return undefined;
}

/**
 * RFC 3261 §21.4.1: "The Reason-Phrase SHOULD identify the syntax problem in more detail, for
 * example, "Missing Call-ID header field"." A parse error message becomes a reason phrase: its
 * codec prefix ("sip: ") dropped, control characters removed (§25.1: Reason-Phrase =
 * *(reserved / unreserved / escaped / UTF8-NONASCII / UTF8-CONT / SP / HTAB)), trimmed and
 * shortened.
 */
export function reasonPhraseFrom(message: string, fallback = "Bad Request"): string {
  const printable = [...message]
    .map((c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f ? " " : c))
    .join("");
  const cleaned = printable
    .replace(/^sip:\s*/i, "")
    .replace(/\s+/g, " ")
    .trim();
  if (cleaned.length === 0) return fallback;
  return cleaned.length > 120 ? `${cleaned.slice(0, 117).trimEnd()}...` : cleaned;
}

const COMPACT: Readonly<Record<string, string>> = { v: "via", f: "from", t: "to", i: "call-id" };
const CANONICAL: Readonly<Record<string, string>> = {
  via: "Via",
  from: "From",
  to: "To",
  "call-id": "Call-ID",
  cseq: "CSeq",
};

function headerLines(text: string): string[] {
  const body = text.replace(/^(?:\r?\n)+/, "");
  const end = body.search(/\r?\n\r?\n/);
  const head = end === -1 ? body : body.slice(0, end);
  const lines = head.split(/\r?\n/).slice(1);
  const unfolded: string[] = [];
  for (const line of lines) {
    // §7.3.1 line folding: a line starting with whitespace continues the previous one.
    const last = unfolded.length - 1;
    if (/^[ \t]/.test(line) && last >= 0) unfolded[last] = `${unfolded[last]} ${line.trim()}`;
    else unfolded.push(line);
  }
  return unfolded;
}

/**
 * A 400 response to the request-looking bytes `raw`, carrying whichever of Via (all of them,
 * in order), From, To (with `toTag` added when it has none, §8.2.6.2), Call-ID and CSeq could be
 * found. It goes back to the address the bytes came from, not to the Via, which may be what
 * was broken.
 */
export function createBadRequest(
  raw: Buffer,
  reason: string,
  toTag: string,
  status: 400 | 505 = 400,
): Buffer {
  const found = new Map<string, string[]>();
  for (const line of headerLines(raw.toString("latin1"))) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const rawName = line.slice(0, colon).trim().toLowerCase();
    const name = COMPACT[rawName] ?? rawName;
    const canonical = CANONICAL[name];
    if (canonical === undefined) continue;
    const value = line.slice(colon + 1).trim();
    const values = found.get(canonical) ?? [];
    if (canonical === "Via" || values.length === 0) values.push(value);
    found.set(canonical, values);
  }
  const fallback = status === 505 ? "Version Not Supported" : "Bad Request";
  const lines = [`SIP/2.0 ${status} ${reasonPhraseFrom(reason, fallback)}`];
  for (const name of ["Via", "From", "To", "Call-ID", "CSeq"]) {
    for (const value of found.get(name) ?? []) {
      const tagged = name === "To" && !/;\s*tag\s*=/i.test(value) ? `${value};tag=${toTag}` : value;
      lines.push(`${name}: ${tagged}`);
    }
  }
  lines.push("Content-Length: 0", "", "");
  return Buffer.from(lines.join("\r\n"), "latin1");
}
