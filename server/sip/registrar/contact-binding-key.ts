import type { SipUri } from "../../../protocol/sip";

/**
 * What makes two Contacts of one AOR the same binding. With RFC 5626 the pair
 * (+sip.instance, reg-id) names the flow, whatever URI the device now sends (its address
 * changes with every NAT rebinding or WebSocket reconnection); otherwise the Contact URI itself,
 * compared the RFC 3261 §19.1.4 way in the common cases: scheme and host case-insensitive, user
 * case-sensitive, URI parameters by name whatever their order. URI headers are ignored.
 */
export function contactBindingKey(uri: SipUri, instanceId?: string, regId?: number): string {
  if (instanceId !== undefined && regId !== undefined) return `flow\n${instanceId}\n${regId}`;
  const params = [...uri.params]
    .map(([name, value]) => `${name.toLowerCase()}=${value === null ? "" : value.toLowerCase()}`)
    .sort();
  return [
    "uri",
    uri.scheme.toLowerCase(),
    uri.user ?? "",
    uri.password ?? "",
    uri.host.toLowerCase(),
    uri.port === undefined ? "" : String(uri.port),
    uri.opaque ?? "",
    ...params,
  ].join("\n");
}
