import { ProtocolParseError } from "../protocol-parse-error";
import { formatParams, parseParams, quote, type SipParams } from "./sip-params";
import { formatSipUri, parseSipUri, type SipUri } from "./sip-uri";

/** A From, To, Contact, Route, Record-Route, Refer-To … value (RFC 3261 §20.10, §25.1). */
export interface NameAddr {
  /** Display name with quoting and quoted-pairs removed; undefined when there is none. */
  displayName?: string;
  uri: SipUri;
  /** Header parameters (tag, expires, q, lr on Route is a URI parameter, not one of these). */
  params: SipParams;
}

const DISPLAY_TOKENS = /^[A-Za-z0-9\-.!%*_+`'~\s\u0080-\uffff]*$/;

/**
 * RFC 3261 §20.10: "Even if the "display-name" is empty, the "name-addr" form MUST be used if
 * the "addr-spec" contains a comma, semicolon, or question mark." and §20: "If the URI is not
 * enclosed in angle brackets, any semicolon-delimited parameters are header-parameters, not URI
 * parameters."
 */
export function parseNameAddr(value: string): NameAddr {
  const text = value.trim();
  if (text === "") throw new ProtocolParseError("sip", "empty address");
  let displayName: string | undefined;
  let rest = text;
  if (text.startsWith('"')) {
    let i = 1;
    let name = "";
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === "\\") {
        i++;
        if (i >= text.length) break;
        name += text[i];
      } else if (c === '"') break;
      else name += c;
    }
    if (i >= text.length) throw new ProtocolParseError("sip", `unterminated display name in "${text}"`);
    displayName = name;
    rest = text.slice(i + 1).trimStart();
    if (!rest.startsWith("<"))
      throw new ProtocolParseError("sip", `expected <URI> after the display name in "${text}"`);
  }
  const open = rest.indexOf("<");
  if (open !== -1) {
    if (displayName === undefined) {
      const tokens = rest.slice(0, open).trim();
      if (!DISPLAY_TOKENS.test(tokens)) throw new ProtocolParseError("sip", `bad display name in "${text}"`);
      if (tokens !== "") displayName = tokens.replace(/\s+/g, " ");
    }
    const close = rest.indexOf(">", open);
    if (close === -1) throw new ProtocolParseError("sip", `missing ">" in "${text}"`);
    const uri = parseSipUri(rest.slice(open + 1, close));
    const after = rest.slice(close + 1).trim();
    if (after !== "" && !after.startsWith(";")) {
      throw new ProtocolParseError("sip", `unexpected "${after}" after the URI in "${text}"`);
    }
    const params = parseParams(after.slice(1), `"${text}"`);
    return { ...(displayName === undefined ? {} : { displayName }), uri, params };
  }
  const semi = rest.indexOf(";");
  const uriText = (semi === -1 ? rest : rest.slice(0, semi)).trim();
  const uri = parseSipUri(uriText);
  const params =
    semi === -1 ? new Map<string, string | null>() : parseParams(rest.slice(semi + 1), `"${text}"`);
  return { uri, params };
}

/** Always the name-addr form, so URI parameters never turn into header parameters. */
export function formatNameAddr(nameAddr: NameAddr): string {
  const name = nameAddr.displayName === undefined ? "" : `${quote(nameAddr.displayName)} `;
  return `${name}<${formatSipUri(nameAddr.uri)}>${formatParams(nameAddr.params)}`;
}
