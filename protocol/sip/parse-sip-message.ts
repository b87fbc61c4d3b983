import { ProtocolParseError } from "../protocol-parse-error";
import { parseCSeq } from "./cseq";
import { parseNameAddr } from "./name-addr";
import { SipHeaders } from "./sip-headers";
import { SIP_LIMITS, type SipMessage } from "./sip-message";
import { splitHeaderValues, TOKEN } from "./sip-params";
import { parseSipUri } from "./sip-uri";
import { parseVia } from "./via";

const HEADER_LINE = /^([A-Za-z0-9\-.!%*_+`'~]+)[ \t]*:(.*)$/s;
const STATUS_LINE = /^SIP\/(\d+\.\d+) (\d{3})(?: (.*))?$/i;

/**
 * Parses one SIP message (a datagram, a WebSocket message, or a frame cut by frameSipStream).
 * Throws ProtocolParseError naming the first problem found.
 */
export function parseSipMessage(input: Buffer | string): SipMessage {
  const raw = typeof input === "string" ? Buffer.from(input, "utf8") : input;
  if (raw.length > SIP_LIMITS.maxMessageBytes) {
    throw new ProtocolParseError(
      "sip",
      `message of ${raw.length} bytes exceeds ${SIP_LIMITS.maxMessageBytes}`,
    );
  }
  // RFC 3261 §7.5: "Implementations processing SIP messages over stream-oriented transports MUST
  // ignore any CRLF appearing before the start-line".
  let start = 0;
  while (start < raw.length && (raw[start] === 0x0d || raw[start] === 0x0a)) start++;
  const { headerEnd, bodyStart } = findHeaderEnd(raw, start);
  if (headerEnd === -1) throw new ProtocolParseError("sip", "no empty line after the header fields");

  const lines = raw.toString("utf8", start, headerEnd).split(/\r?\n/);
  const startLine = lines[0] ?? "";
  const headers = parseHeaderFields(lines.slice(1));
  const body = readBody(raw, bodyStart, headers);

  const status = STATUS_LINE.exec(startLine);
  if (status !== null) {
    checkVersion(status[1]!);
    const code = Number(status[2]);
    if (code < 100 || code > 699) throw new ProtocolParseError("sip", `status code ${code} out of range`);
    checkMandatory(headers, undefined);
    return { kind: "response", status: code, reason: status[3] ?? "", headers, body };
  }
  // RFC 3261 §7.1: "The Request-Line contains a method name, a Request-URI, and the protocol
  // version separated by a single space (SP) character." … "No linear whitespace (LWS) is
  // allowed in any of the elements."
  const parts = startLine.split(" ");
  if (parts.length !== 3) {
    throw new ProtocolParseError("sip", `malformed start line "${startLine.slice(0, 120)}"`);
  }
  const [method, uriText, version] = parts as [string, string, string];
  if (!TOKEN.test(method)) throw new ProtocolParseError("sip", `bad method "${method}"`);
  const versionMatch = /^SIP\/(\d+\.\d+)$/i.exec(version);
  if (versionMatch === null) throw new ProtocolParseError("sip", `bad SIP version "${version}"`);
  checkVersion(versionMatch[1]!);
  const uri = parseSipUri(uriText);
  checkMandatory(headers, method);
  return { kind: "request", method, uri, headers, body };
}

function findHeaderEnd(raw: Buffer, from: number): { headerEnd: number; bodyStart: number } {
  const crlf = raw.indexOf("\r\n\r\n", from, "latin1");
  const lf = raw.indexOf("\n\n", from, "latin1");
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return { headerEnd: crlf, bodyStart: crlf + 4 };
  if (lf !== -1) return { headerEnd: lf, bodyStart: lf + 2 };
  return { headerEnd: -1, bodyStart: -1 };
}

function checkVersion(version: string): void {
  if (version !== "2.0") throw new ProtocolParseError("sip", `unsupported SIP version SIP/${version}`);
}

/**
 * RFC 3261 §7.3.1: "Header fields can be extended over multiple lines by preceding each extra
 * line with at least one SP or horizontal tab (HT)." §25.1: "All linear white space, including
 * folding, has the same semantics as SP. A recipient MAY replace any linear white space with a
 * single SP before interpreting the field value or forwarding the message downstream."
 */
function parseHeaderFields(lines: string[]): SipHeaders {
  const unfolded: string[] = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line)) {
      const last = unfolded.length - 1;
      if (last < 0) throw new ProtocolParseError("sip", "continuation line before any header field");
      unfolded[last] = `${unfolded[last]!.trimEnd()} ${line.trim()}`;
    } else {
      unfolded.push(line);
    }
  }
  if (unfolded.length > SIP_LIMITS.maxHeaderFields) {
    throw new ProtocolParseError("sip", `more than ${SIP_LIMITS.maxHeaderFields} header fields`);
  }
  const headers = new SipHeaders();
  unfolded.forEach((line, index) => {
    if (line.length > SIP_LIMITS.maxHeaderValueBytes) {
      throw new ProtocolParseError(
        "sip",
        `header field line ${index + 2} exceeds ${SIP_LIMITS.maxHeaderValueBytes} bytes`,
      );
    }
    const match = HEADER_LINE.exec(line);
    if (match === null)
      throw new ProtocolParseError("sip", `malformed header field line ${index + 2}: "${line.slice(0, 80)}"`);
    headers.append(match[1]!, match[2]!.trim());
  });
  return headers;
}

/**
 * RFC 3261 §18.3: "In the case of message-oriented transports (such as UDP), if the message has a
 * Content-Length header field, the message body is assumed to contain that many bytes. If there
 * are additional bytes in the transport packet beyond the end of the body, they MUST be
 * discarded. If the transport packet ends before the end of the message body, this is
 * considered an error. … If the message has no Content-Length header field, the message body is
 * assumed to end at the end of the transport packet."
 */
function readBody(raw: Buffer, bodyStart: number, headers: SipHeaders): Buffer {
  const values = headers.getAll("Content-Length");
  const available = raw.length - bodyStart;
  if (values.length === 0) return raw.subarray(bodyStart);
  const lengths = new Set(values.map((value) => parseContentLength(value)));
  if (lengths.size > 1) throw new ProtocolParseError("sip", "conflicting Content-Length header fields");
  const length = [...lengths][0]!;
  if (length > available) {
    throw new ProtocolParseError(
      "sip",
      `Content-Length ${length} exceeds the ${available} body bytes received`,
    );
  }
  return raw.subarray(bodyStart, bodyStart + length);
}

export function parseContentLength(value: string): number {
  if (!/^\s*\d{1,9}\s*$/.test(value)) throw new ProtocolParseError("sip", `bad Content-Length "${value}"`);
  return Number(value);
}

/**
 * RFC 3261 §8.1.1: "A valid SIP request formulated by a UAC MUST, at a minimum, contain the
 * following header fields: To, From, CSeq, Call-ID, Max-Forwards, and Via". Max-Forwards is
 * checked for range when present but its absence is tolerated (a UAS can still answer).
 * Values that transactions and dialogs rely on are parsed here, so a malformed one is a 400 at
 * the door rather than a failure deep inside.
 */
function checkMandatory(headers: SipHeaders, method: string | undefined): void {
  for (const name of ["Via", "From", "To", "Call-ID", "CSeq"]) {
    if (!headers.has(name)) throw new ProtocolParseError("sip", `missing ${name} header field`);
  }
  for (const name of ["From", "To", "Call-ID", "CSeq"]) {
    if (headers.getAll(name).length > 1)
      throw new ProtocolParseError("sip", `more than one ${name} header field`);
  }
  for (const row of headers.getAll("Via")) for (const via of splitHeaderValues(row)) parseVia(via);
  parseNameAddr(headers.get("From")!);
  parseNameAddr(headers.get("To")!);
  if (headers.get("Call-ID")!.trim() === "" || /\s/.test(headers.get("Call-ID")!.trim())) {
    throw new ProtocolParseError("sip", "bad Call-ID");
  }
  const cseq = parseCSeq(headers.get("CSeq")!);
  // RFC 3261 §8.1.1.5: "The method MUST match that of the request."
  if (method !== undefined && cseq.method !== method) {
    throw new ProtocolParseError(
      "sip",
      `CSeq method ${cseq.method} does not match the request method ${method}`,
    );
  }
  const maxForwards = headers.get("Max-Forwards");
  if (maxForwards !== undefined) {
    // §20.22: Max-Forwards = "Max-Forwards" HCOLON 1*DIGIT, "a value of 70" recommended; 0-255.
    if (!/^\s*\d{1,10}\s*$/.test(maxForwards) || Number(maxForwards) > 255) {
      throw new ProtocolParseError("sip", `bad Max-Forwards "${maxForwards}"`);
    }
  }
  for (const row of headers.getAll("Contact")) {
    if (row.trim() === "*") continue;
    for (const contact of splitHeaderValues(row)) parseNameAddr(contact);
  }
}

/**
 * Cuts one message off the front of a stream (TCP, TLS). Returns null until the header section
 * and the whole body have arrived. RFC 3261 §18.3: "In the case of stream-oriented transports
 * such as TCP, the Content-Length header field indicates the size of the body. The
 * Content-Length header field MUST be used with stream oriented transports."
 */
export function frameSipStream(buffer: Buffer): { message: Buffer; rest: Buffer } | null {
  const { headerEnd, bodyStart } = findHeaderEnd(buffer, 0);
  if (headerEnd === -1) return null;
  const head = buffer.toString("latin1", 0, headerEnd);
  const match = /(?:^|\n)(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*)/i.exec(head);
  if (match === null) throw new ProtocolParseError("sip", "Content-Length is required on stream transports");
  const length = parseContentLength(match[1]!);
  const end = bodyStart + length;
  if (buffer.length < end) return null;
  return { message: buffer.subarray(0, end), rest: buffer.subarray(end) };
}
