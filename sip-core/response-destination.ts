import type { Via } from "../protocol/sip";
import { defaultPort, isReliableTransport, type SipAddress } from "./sip-address";
import { normalizeIp } from "./stamp-received";

function numericParam(via: Via, name: string): number | undefined {
  const value = via.params.get(name);
  if (value === undefined || value === null || !/^\d{1,5}$/.test(value)) return undefined;
  const port = Number(value);
  return port > 0 && port <= 65_535 ? port : undefined;
}

/**
 * Where the responses to a request go, from its top Via (already stamped by stampReceived) and
 * the address it arrived from.
 *
 * RFC 3261 §18.2.2: "If the "sent-protocol" is a reliable transport protocol such as TCP or
 * SCTP, or TLS over those, the response MUST be sent using the existing connection to the
 * source of the original request that created the transaction, if that connection is still
 * open. ... If that connection is no longer open, the server SHOULD open a connection to the IP
 * address in the "received" parameter, if present, using the port in the "sent-by" value, or
 * the default port for that transport, if no port is specified." (The connection is
 * `connectionId`; the host and port are the fallback.)
 *
 * "Otherwise (for unreliable unicast transports), if the top Via has a "received" parameter,
 * the response MUST be sent to the address in the "received" parameter, using the port
 * indicated in the "sent-by" value, or using port 5060 if none is specified explicitly."
 *
 * RFC 3581 §4: "If the "sent-protocol" component indicates an unreliable unicast transport
 * protocol, such as UDP, and there is no "maddr" parameter, but there is both a "received"
 * parameter and an "rport" parameter, the response MUST be sent to the IP address listed in
 * the "received" parameter, and the port in the "rport" parameter."
 *
 * "maddr" (multicast) is not supported: responses go to received/sent-by as if it were absent.
 * Responses always leave over the transport their request arrived on.
 */
export function responseDestination(via: Via, source: SipAddress): SipAddress {
  const transport = source.transport;
  const received = via.params.get("received");
  const host = received === undefined || received === null ? normalizeIp(via.host) : received;
  const sentByPort = via.port ?? defaultPort(transport);
  if (isReliableTransport(transport)) {
    return source.connectionId === undefined
      ? { transport, host, port: sentByPort }
      : { transport, host, port: sentByPort, connectionId: source.connectionId };
  }
  const rport = received === undefined || received === null ? undefined : numericParam(via, "rport");
  return { transport, host, port: rport ?? sentByPort };
}
