import { parseNameAddr, type SipRequest } from "../../../protocol/sip";
import { SipError } from "../../../sip-core";

// The fields of a REGISTER the registrar reads (RFC 3261 §10.3), each refused with 400 when
// malformed: what a phone sent wrong is its error, answered, never the server's.

/** The largest delta-seconds kept: where a 32-bit interval ends. */
export const MAX_DELTA_SECONDS = 2 ** 32 - 1;

/**
 * §10.3 step 3 reads the address-of-record from the To header field; in this single-domain
 * server it is the extension number in the user part, whatever the host.
 */
export function addressOfRecord(message: SipRequest): string {
  const to = message.headers.get("To");
  if (to === undefined) throw new SipError(400, "Missing To header field");
  const user = parseNameAddr(to).uri.user;
  if (user === undefined || user === "") throw new SipError(400, "To URI has no user part");
  return unescapeUser(user);
}

/** §19.1.4: user parts compare after %HH escapes are decoded. */
function unescapeUser(user: string): string {
  try {
    return decodeURIComponent(user);
  } catch {
    return user;
  }
}

export function parseExpiresHeader(value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseDeltaSeconds(value, "Expires");
}

/** delta-seconds (§25.1: 1*DIGIT), capped where a 32-bit interval ends. */
export function parseDeltaSeconds(value: string, what: string): number {
  const text = value.trim();
  if (!/^\d+$/.test(text)) throw new SipError(400, `Malformed ${what}`);
  return Math.min(Number(text), MAX_DELTA_SECONDS);
}

export function parseRegId(value: string | null | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value === null || !/^\d{1,10}$/.test(value) || Number(value) < 1 || Number(value) > MAX_DELTA_SECONDS) {
    throw new SipError(400, "Malformed reg-id");
  }
  return Number(value);
}

/** §25.1: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ). */
export function parseQ(value: string | null | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value === null || !/^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(value)) {
    throw new SipError(400, "Malformed q");
  }
  return Number(value);
}
