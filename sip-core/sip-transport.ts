import type { ProtocolParseError } from "../protocol/protocol-parse-error";
import type { SipRequest, SipResponse } from "../protocol/sip";
import type { SipAddress, TransportProtocol } from "./sip-address";
import type { SipTransportError } from "./sip-transport-error";

export type SipMessage = SipRequest | SipResponse;

/**
 * How a transport calls up (RFC 3261 §18: the transport layer hands what it receives to the
 * transaction layer). The transaction layer implements it; a transport never imports it.
 */
export interface SipTransportDelegate {
  /** One parsed message. Requests already carry `received`/`rport` on their top Via (§18.2.1, RFC 3581). */
  onMessage(message: SipMessage, source: SipAddress): void;
  /**
   * Bytes that are not a SIP message. `raw` is the datagram, the WebSocket message or the TCP
   * bytes that failed, so the layer above can still answer 400 to something that starts like
   * a request (RFC 3261 §18.3) or drop it.
   */
  onParseError(error: ProtocolParseError, source: SipAddress, raw: Buffer): void;
  /** A socket or connection failed outside any send (reset connection, socket error). */
  onTransportError(error: SipTransportError): void;
}

/** Counters a transport keeps; never reset. */
export interface TransportStats {
  /** Messages parsed and passed to onMessage. */
  received: number;
  /** Unparseable messages passed to onParseError. */
  parseErrors: number;
  /** Messages dropped because they exceeded the size limit. */
  droppedOversize: number;
  /** CRLF keep-alives (RFC 5626 §3.5.1) received and not passed up. */
  keepAlives: number;
  /** Messages handed to the socket. */
  sent: number;
  /** Stream connections closed because a message began but was not finished in time. */
  incompleteTimeouts: number;
}

export function emptyTransportStats(): TransportStats {
  return { received: 0, parseErrors: 0, droppedOversize: 0, keepAlives: 0, sent: 0, incompleteTimeouts: 0 };
}

export interface SipTransport {
  readonly protocol: TransportProtocol;
  /** False only for UDP: the transaction layer runs the retransmission timers A, E and G on it. */
  readonly reliable: boolean;
  /** The address this transport puts in the Via sent-by (RFC 3261 §18.1.1). Valid after start(). */
  readonly localAddress: { readonly host: string; readonly port: number };
  readonly stats: Readonly<TransportStats>;
  /** Binds or attaches, then delivers everything it receives to `delegate`. */
  start(delegate: SipTransportDelegate): Promise<void>;
  /** Resolves when the bytes are handed to the socket; rejects with SipTransportError. */
  send(message: Buffer, destination: SipAddress): Promise<void>;
  /** Closes the socket(s) it owns. Idempotent. */
  close(): Promise<void>;
}
