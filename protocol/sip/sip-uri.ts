import { ProtocolParseError } from "../protocol-parse-error";
import { formatParams, parseParams, type SipParams } from "./sip-params";

/**
 * A SIP or SIPS URI (RFC 3261 §19.1), or another absolute URI (tel:, urn:, …) kept opaque so a
 * UA can answer 416 (Unsupported URI Scheme) instead of 400.
 */
export interface SipUri {
  scheme: string;
  user?: string;
  password?: string;
  /** Host as written; an IPv6 reference keeps its brackets. "" for an opaque URI. */
  host: string;
  port?: number;
  params: SipParams;
  /** `?name=value&…` headers, values left escaped. */
  headers: Map<string, string>;
  /** Everything after "scheme:" for a URI that is not sip: or sips:. */
  opaque?: string;
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+\-.]*$/;
// RFC 3261 §25.1: user = 1*( unreserved / escaped / user-unreserved ); user-unreserved = "&" / "=" / "+" / "$" / "," / ";" / "?" / "/"
const USER = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/]|%[0-9A-Fa-f]{2})+$/;
// password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," )
const PASSWORD = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,]|%[0-9A-Fa-f]{2})*$/;
// hostname = *( domainlabel "." ) toplabel [ "." ]; IPv4address; IPv6reference = "[" IPv6address "]"
const HOSTNAME =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.?$/;
const IPV6_REFERENCE = /^\[[0-9A-Fa-f:.]+\]$/;
const HEADER_CHARS = /^(?:[A-Za-z0-9\-_.!~*'()[\]/?:+$]|%[0-9A-Fa-f]{2})*$/;

export function parseSipUri(text: string): SipUri {
  const colon = text.indexOf(":");
  const scheme = colon === -1 ? "" : text.slice(0, colon);
  if (!SCHEME.test(scheme)) throw new ProtocolParseError("sip", `"${text}" is not an absolute URI`);
  const rest = text.slice(colon + 1);
  if (/[\s<>"]/.test(text))
    throw new ProtocolParseError("sip", `URI "${text}" contains whitespace, <, > or "`);
  const lowerScheme = scheme.toLowerCase();
  if (lowerScheme !== "sip" && lowerScheme !== "sips") {
    if (rest === "") throw new ProtocolParseError("sip", `URI "${text}" is empty after the scheme`);
    return { scheme: lowerScheme, host: "", params: new Map(), headers: new Map(), opaque: rest };
  }
  // '@' may not appear unescaped in user, password, host, parameters or headers (§25.1).
  const at = rest.indexOf("@");
  const uri: SipUri = { scheme: lowerScheme, host: "", params: new Map(), headers: new Map() };
  let hostPart = rest;
  if (at !== -1) {
    const userinfo = rest.slice(0, at);
    hostPart = rest.slice(at + 1);
    const pw = userinfo.indexOf(":");
    const user = pw === -1 ? userinfo : userinfo.slice(0, pw);
    if (!USER.test(user)) throw new ProtocolParseError("sip", `bad user part "${user}" in URI "${text}"`);
    uri.user = user;
    if (pw !== -1) {
      const password = userinfo.slice(pw + 1);
      if (!PASSWORD.test(password)) throw new ProtocolParseError("sip", `bad password in URI "${text}"`);
      uri.password = password;
    }
  }
  const question = hostPart.indexOf("?");
  const headersText = question === -1 ? "" : hostPart.slice(question + 1);
  const beforeHeaders = question === -1 ? hostPart : hostPart.slice(0, question);
  const semi = beforeHeaders.indexOf(";");
  const hostport = semi === -1 ? beforeHeaders : beforeHeaders.slice(0, semi);
  const paramsText = semi === -1 ? "" : beforeHeaders.slice(semi + 1);

  let host = hostport;
  if (hostport.startsWith("[")) {
    const close = hostport.indexOf("]");
    if (close === -1) throw new ProtocolParseError("sip", `unterminated IPv6 reference in URI "${text}"`);
    host = hostport.slice(0, close + 1);
    const after = hostport.slice(close + 1);
    if (after !== "") {
      if (!after.startsWith(":")) throw new ProtocolParseError("sip", `bad host in URI "${text}"`);
      uri.port = parsePort(after.slice(1), text);
    }
    if (!IPV6_REFERENCE.test(host))
      throw new ProtocolParseError("sip", `bad IPv6 reference in URI "${text}"`);
  } else {
    const portColon = hostport.indexOf(":");
    if (portColon !== -1) {
      host = hostport.slice(0, portColon);
      uri.port = parsePort(hostport.slice(portColon + 1), text);
    }
    if (!HOSTNAME.test(host)) throw new ProtocolParseError("sip", `bad host "${host}" in URI "${text}"`);
  }
  uri.host = host;
  if (semi !== -1) uri.params = parseParams(paramsText, `URI "${text}"`);
  if (question !== -1) {
    for (const pair of headersText.split("&")) {
      const eq = pair.indexOf("=");
      if (eq <= 0) throw new ProtocolParseError("sip", `bad header "${pair}" in URI "${text}"`);
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (!HEADER_CHARS.test(name) || !HEADER_CHARS.test(value)) {
        throw new ProtocolParseError("sip", `bad header "${pair}" in URI "${text}"`);
      }
      uri.headers.set(name, value);
    }
  }
  return uri;
}

function parsePort(text: string, uri: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new ProtocolParseError("sip", `bad port "${text}" in URI "${uri}"`);
  const port = Number(text);
  if (port > 65535) throw new ProtocolParseError("sip", `port ${port} out of range in URI "${uri}"`);
  return port;
}

export function formatSipUri(uri: SipUri): string {
  if (uri.opaque !== undefined) return `${uri.scheme}:${uri.opaque}`;
  let out = `${uri.scheme}:`;
  if (uri.user !== undefined) {
    out += uri.user;
    if (uri.password !== undefined) out += `:${uri.password}`;
    out += "@";
  }
  out += uri.host;
  if (uri.port !== undefined) out += `:${uri.port}`;
  out += formatParams(uri.params);
  if (uri.headers.size > 0) {
    out += `?${[...uri.headers].map(([name, value]) => `${name}=${value}`).join("&")}`;
  }
  return out;
}

/**
 * The host part of a SIP URI. RFC 3261 §25.1: `host = hostname / IPv4address / IPv6reference`,
 * `IPv6reference = "[" IPv6address "]"`: an IPv6 address is bracketed, anything else kept.
 */
export function formatUriHost(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** A sip: URI built from parts; host may be an IPv6 address without brackets. */
export function sipUri(parts: {
  user?: string;
  host: string;
  port?: number;
  scheme?: "sip" | "sips";
  params?: Record<string, string | null>;
}): SipUri {
  const host = formatUriHost(parts.host);
  return {
    scheme: parts.scheme ?? "sip",
    ...(parts.user === undefined ? {} : { user: parts.user }),
    host,
    ...(parts.port === undefined ? {} : { port: parts.port }),
    params: new Map(Object.entries(parts.params ?? {})),
    headers: new Map(),
  };
}
