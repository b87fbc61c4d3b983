import { formatUriHost } from "../protocol/sip";

export type TransportProtocol = "UDP" | "TCP" | "TLS" | "WS" | "WSS";

/**
 * Where a message came from or goes to. `connectionId` names one connection of a
 * connection-oriented transport (TCP, TLS, WS), so a response goes back on the socket its
 * request arrived on (RFC 3261 §18.2.2, RFC 7118 §5).
 */
export interface SipAddress {
  readonly transport: TransportProtocol;
  readonly host: string;
  readonly port: number;
  readonly connectionId?: string;
}

/** Only UDP is unreliable here: the transaction timers that retransmit are not started for the others. */
export function isReliableTransport(transport: TransportProtocol): boolean {
  return transport !== "UDP";
}

/**
 * RFC 3261 §18.1.1: "If the port is absent, the default value depends on the transport. It is
 * 5060 for UDP, TCP and SCTP, 5061 for TLS." WebSocket URIs default to the HTTP ports
 * (RFC 7118 §5.2 defers to RFC 6455).
 */
export function defaultPort(transport: TransportProtocol): number {
  switch (transport) {
    case "UDP":
    case "TCP":
      return 5060;
    case "TLS":
      return 5061;
    case "WS":
      return 80;
    case "WSS":
      return 443;
  }
}

export function isTransportProtocol(value: string): value is TransportProtocol {
  return value === "UDP" || value === "TCP" || value === "TLS" || value === "WS" || value === "WSS";
}

export function formatSipAddress(address: SipAddress): string {
  const host = formatUriHost(address.host);
  const connection = address.connectionId === undefined ? "" : ` (${address.connectionId})`;
  return `${address.transport} ${host}:${address.port}${connection}`;
}
