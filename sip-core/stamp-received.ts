import { isIP } from "node:net";
import { normalizeIp } from "../common/allowed-sources";
import type { SipRequest } from "../protocol/sip";
import type { SipAddress } from "./sip-address";
import { readTopVia, replaceTopVia } from "./top-via";

// `::ffff:192.0.2.4` (an IPv4 peer on a dual-stack socket) is 192.0.2.4; one definition, shared
// with the allow-lists of common/.
export { normalizeIp };

/**
 * Records on the top Via where a request really came from, before it goes up.
 *
 * RFC 3261 §18.2.1: "When the server transport receives a request over any transport, it MUST
 * examine the value of the "sent-by" parameter in the top Via header field value. If the host
 * portion of the "sent-by" parameter contains a domain name, or if it contains an IP address
 * that differs from the packet source address, the server MUST add a "received" parameter to
 * that Via header field value. This parameter MUST contain the source address from which the
 * packet was received."
 *
 * RFC 3581 §4: "If this Via header field value contains an "rport" parameter with no value, it
 * MUST set the value of the parameter to the source port of the request. ... In fact, the
 * server MUST insert a "received" parameter containing the source IP address that the request
 * came from, even if it is identical to the value of the "sent-by" component."
 *
 * Throws ProtocolParseError when the request has no parseable top Via.
 */
export function stampReceived(request: SipRequest, source: SipAddress): void {
  const via = readTopVia(request.headers);
  const sourceIp = normalizeIp(source.host);
  const wantsRport = via.params.has("rport") && via.params.get("rport") === null;
  const sentByHost = normalizeIp(via.host);
  const differs = isIP(sentByHost) === 0 || sentByHost !== sourceIp;
  if (!wantsRport && !differs) return;
  const params = new Map(via.params);
  params.set("received", sourceIp);
  if (wantsRport) params.set("rport", String(source.port));
  replaceTopVia(request.headers, { ...via, params });
}
