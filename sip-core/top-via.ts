import { ProtocolParseError } from "../protocol/protocol-parse-error";
import { formatVia, parseVia, splitHeaderValues, type SipHeaders, type Via } from "../protocol/sip";

/** Every value of a header field, one per element, whether sent as several rows or comma-joined. */
export function headerValues(headers: SipHeaders, name: string): string[] {
  return headers.getAll(name).flatMap(splitHeaderValues);
}

/** The topmost Via value as text; throws ProtocolParseError when there is none. */
export function topViaValue(headers: SipHeaders): string {
  const first = headerValues(headers, "Via")[0];
  if (first === undefined) throw new ProtocolParseError("sip", "missing Via header field");
  return first;
}

/** The topmost Via, parsed; throws ProtocolParseError when absent or malformed. */
export function readTopVia(headers: SipHeaders): Via {
  return parseVia(topViaValue(headers));
}

/** Replaces the topmost Via value, keeping the others in order. */
export function replaceTopVia(headers: SipHeaders, via: Via): void {
  const values = headerValues(headers, "Via");
  if (values.length === 0) throw new ProtocolParseError("sip", "missing Via header field");
  values[0] = formatVia(via);
  headers.delete("Via");
  for (const value of values) headers.append("Via", value);
}

/** The Via sent-by as written (host[:port]), host lower-cased, for transaction matching (§17.2.3). */
export function sentBy(via: Via): string {
  const host = via.host.toLowerCase();
  return via.port === undefined ? host : `${host}:${via.port}`;
}

export function viaBranch(via: Via): string | undefined {
  const branch = via.params.get("branch");
  return branch === null ? undefined : branch;
}
