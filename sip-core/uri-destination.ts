import type { SipUri } from "../protocol/sip";
import { defaultPort, isTransportProtocol, type SipAddress, type TransportProtocol } from "./sip-address";
import { SipTransportError } from "./sip-transport-error";
import { normalizeIp } from "./stamp-received";

/**
 * The next-hop address of a SIP URI: its host and port, over the transport its "transport"
 * parameter names (UDP when it names none). This is the numeric, explicit-port subset of RFC
 * 3263: there is no NAPTR/SRV lookup, so a URI without a port goes to the transport's default
 * port, and host names are resolved by the socket (A/AAAA). SIPS needs TLS, which no transport
 * here offers.
 */
export function uriDestination(uri: SipUri, fallback: TransportProtocol = "UDP"): SipAddress {
  if (uri.scheme === "sips") throw new SipTransportError(`cannot reach ${uri.host}: SIPS needs TLS`);
  const param = uri.params.get("transport");
  const named = typeof param === "string" ? param.toUpperCase() : undefined;
  if (named !== undefined && !isTransportProtocol(named)) {
    throw new SipTransportError(`cannot reach ${uri.host}: unsupported transport ${param}`);
  }
  const transport = named ?? fallback;
  return { transport, host: normalizeIp(uri.host), port: uri.port ?? defaultPort(transport) };
}
