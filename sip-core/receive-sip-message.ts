import { ProtocolParseError } from "../protocol/protocol-parse-error";
import { parseSipMessage } from "../protocol/sip";
import type { SipAddress } from "./sip-address";
import type { SipMessage, SipTransportDelegate, TransportStats } from "./sip-transport";
import { stampReceived } from "./stamp-received";

/**
 * The common receive path of every transport: parse one framed message, stamp `received` and
 * `rport` on a request (RFC 3261 §18.2.1, RFC 3581 §4), and hand it up; or hand the raw bytes
 * up as a parse error. Only ProtocolParseError is a parse error: anything else is a bug and
 * propagates.
 */
export function receiveSipMessage(
  raw: Buffer,
  source: SipAddress,
  delegate: SipTransportDelegate,
  stats: TransportStats,
): void {
  let message: SipMessage;
  try {
    message = parseSipMessage(raw);
    if (message.kind === "request") stampReceived(message, source);
  } catch (error) {
    if (!(error instanceof ProtocolParseError)) throw error;
    stats.parseErrors++;
    delegate.onParseError(error, source, raw);
    return;
  }
  stats.received++;
  delegate.onMessage(message, source);
}

/**
 * RFC 5626 §3.5.1 keep-alives: a "double-CRLF ping" on connections, and bare CRLFs that some
 * phones send over UDP. Whitespace-only input is not a message.
 */
export function isKeepAlive(raw: Buffer): boolean {
  if (raw.length === 0) return true;
  for (const byte of raw) if (byte !== 0x0d && byte !== 0x0a && byte !== 0x20 && byte !== 0x09) return false;
  return true;
}
