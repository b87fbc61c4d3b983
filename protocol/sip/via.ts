import { ProtocolParseError } from "../protocol-parse-error";
import { formatParams, parseParams, splitHeaderValues, type SipParams } from "./sip-params";

/** One Via value (RFC 3261 §20.42). */
export interface Via {
  protocolName: string;
  protocolVersion: string;
  /** Upper-cased: UDP, TCP, TLS, WS, WSS, SCTP. */
  transport: string;
  /** sent-by host as written (an IPv6 reference keeps its brackets). */
  host: string;
  port?: number;
  params: SipParams;
}

const TOKEN = "[A-Za-z0-9\\-.!%*_+`'~]+";
// via-parm = sent-protocol LWS sent-by *( SEMI via-params ); sent-protocol = protocol-name SLASH
// protocol-version SLASH transport, SLASH = SWS "/" SWS.
const VIA = new RegExp(
  `^(${TOKEN})\\s*/\\s*(${TOKEN})\\s*/\\s*(${TOKEN})\\s+(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9\\-.]+)(?:\\s*:\\s*(\\d{1,5}))?\\s*(;.*)?$`,
  "s",
);

export function parseVia(value: string): Via {
  const match = VIA.exec(value.trim());
  if (match === null) throw new ProtocolParseError("sip", `malformed Via "${value.trim()}"`);
  const [, protocolName, protocolVersion, transport, host, port, params] = match;
  const via: Via = {
    protocolName: protocolName!,
    protocolVersion: protocolVersion!,
    transport: transport!.toUpperCase(),
    host: host!,
    params: parseParams((params ?? "").slice(1), `Via "${value.trim()}"`),
  };
  if (port !== undefined) {
    const n = Number(port);
    if (n > 65535) throw new ProtocolParseError("sip", `Via port ${n} out of range`);
    via.port = n;
  }
  return via;
}

/** Every Via in a header row ("v: a, b" is two Vias). */
export function parseViaList(value: string): Via[] {
  return splitHeaderValues(value).map(parseVia);
}

export function formatVia(via: Via): string {
  const port = via.port === undefined ? "" : `:${via.port}`;
  return `${via.protocolName}/${via.protocolVersion}/${via.transport} ${via.host}${port}${formatParams(via.params)}`;
}
