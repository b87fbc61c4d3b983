import type { SipUri } from "../protocol/sip";
import { defaultPort, isTransportProtocol, type SipAddress, type TransportProtocol } from "./sip-address";
import { SipTransportError } from "./sip-transport-error";
import { normalizeIp } from "./stamp-received";

/**
 * The next-hop address of a SIP URI: its host and port, over the transport its "transport"
 * parameter names (UDP when it names none). This is the numeric, explicit-port subset of RFC
 * 3263: there is no NAPTR/SRV lookup, so a URI without a port goes to the transport's default
 * port, and host names are resolved by the socket (A/AAAA).
 *
 * RFC 3261 §19.1.2 / RFC 5630 §3.1.3: a SIPS URI "requires TLS" on every hop; "transport=tls"
 * is deprecated but still names TLS on a sip: URI. A SIPS URI with another transport (except
 * WSS, already TLS) cannot be honoured.
 */
export function uriDestination(uri: SipUri, fallback: TransportProtocol = "UDP"): SipAddress {
  const param = uri.params.get("transport");
  let named = typeof param === "string" ? param.toUpperCase() : undefined;
  if (named !== undefined && !isTransportProtocol(named)) {
    throw new SipTransportError(`cannot reach ${uri.host}: unsupported transport ${param}`);
  }
  if (uri.scheme === "sips") {
    if (named === undefined || named === "TCP") named = "TLS";
    if (named !== "TLS" && named !== "WSS")
      throw new SipTransportError(`cannot reach ${uri.host}: a SIPS URI needs TLS, not ${param}`);
  }
  const transport = named ?? fallback;
  return { transport, host: normalizeIp(uri.host), port: uri.port ?? defaultPort(transport) };
}
