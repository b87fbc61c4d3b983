import { parseNameAddr, type SipRequest } from "../../../protocol/sip";
import { readTopVia, SipError, type IncomingRequest, type SipAddress } from "../../../sip-core";
import type { CallOrigin, RoutingService } from "../../services/calls/routing-service";
import type { Registrar } from "../registrar";

/**
 * Who is calling: an extension calling from where it registered, or a configured trunk by its
 * address (and port); anyone else is refused with 403.
 */
export async function identifyCaller(
  request: IncomingRequest,
  registrar: Pick<Registrar, "lookup">,
  routing: Pick<RoutingService, "trunks">,
): Promise<CallOrigin> {
  const source = request.source;
  // An extension may call only from where it registered: the binding's flow is its proof of
  // identity (the REGISTER was digest-authenticated). That proof is checked first, so a phone
  // on the same host as a trunk (another port, or TCP) is still itself.
  const number = userOf(request.message.headers.get("From"));
  const bound = registrar.lookup(number).some((binding) => sameFlow(binding.source, source));
  if (bound) return { kind: "extension", dn: number };
  const trunks = await routing.trunks();
  const port = peerPortOf(request.message, source);
  // The peer's port too, unless the trunk is set to match by address alone (a carrier that
  // sends from several ports); then only when one trunk has that address.
  const trunk =
    trunks.find((t) => t.host === source.host && t.port === port) ??
    (trunks.filter((t) => t.host === source.host).length === 1
      ? trunks.find((t) => t.host === source.host && !t.portMatch)
      : undefined);
  if (trunk !== undefined && source.transport !== "WS" && source.transport !== "WSS") {
    return { kind: "trunk", dn: trunk.dn, peerHost: trunk.host };
  }
  throw new SipError(403, "Register before calling");
}

/** The user part of a From/To/Request-URI, or "". */
export function userOf(value: string | undefined): string {
  if (value === undefined) return "";
  try {
    return parseNameAddr(value).uri.user ?? "";
  } catch {
    return "";
  }
}

function sameFlow(a: SipAddress, b: SipAddress): boolean {
  if (a.connectionId !== undefined || b.connectionId !== undefined) return a.connectionId === b.connectionId;
  return a.transport === b.transport && a.host === b.host && a.port === b.port;
}

/**
 * The port a trunk's requests identify it by: the UDP source port (RFC 3261 §18.2.1 symmetric
 * signalling), or over a stream the Via sent-by port, since a connection's source port is
 * ephemeral ("the port in the sent-by ... is the port on which the client ... is listening";
 * absent: 5060).
 */
function peerPortOf(request: SipRequest, source: SipAddress): number {
  if (source.transport === "UDP") return source.port;
  try {
    return readTopVia(request.headers).port ?? 5060;
  } catch {
    return source.port;
  }
}
