import { ProtocolParseError } from "../protocol-parse-error";
import { getAttributes } from "./get-attribute";
import type { MediaDescription, SdpAttribute } from "./sdp-types";

/**
 * RFC 4568 §9.1: `srtp-key-info = key-salt ["|" lifetime] ["|" mki]` behind `inline:`. The key and
 * salt are one binary string ("key-salt = 1*(base64) ; binary key and salt values concatenated
 * together, and then base64 encoded"); `lifetime` and `mki` are kept as written.
 */
export interface SdpCryptoKey {
  readonly keySalt: Buffer;
  /** `2^20` or `1048576`: packets this key may protect (§6.1). */
  readonly lifetime?: string;
  /** `mki-value ":" mki-length` (§6.1: the MKI's value and its length in bytes, 1..128). */
  readonly mki?: { readonly value: string; readonly length: number };
}

/**
 * One `a=crypto` line (RFC 4568 §9.1): "a=crypto:" tag 1*WSP crypto-suite 1*WSP key-params
 * *(1*WSP session-param)", with "key-params = key-param *(";" key-param)". `inline` is the only
 * key method RFC 4568 defines (§6.1); a line with another is refused.
 */
export interface SdpCrypto {
  readonly tag: number;
  readonly suite: string;
  readonly keys: readonly SdpCryptoKey[];
  /** Session parameters verbatim (`KDR=1`, `UNENCRYPTED_SRTCP`, `WSH=128`…). */
  readonly sessionParams: readonly string[];
}

/** RFC 4568 §9.1: "tag = 1*9DIGIT" and "crypto-suite = 1*(ALPHA / DIGIT / "_")". */
const CRYPTO = /^(\d{1,9})[ \t]+([A-Za-z0-9_]+)[ \t]+(\S+)((?:[ \t]+\S+)*)[ \t]*$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** RFC 4568 §9.1: "lifetime = ["2^"] 1*(DIGIT)"; "mki-value = 1*DIGIT"; "mki-length = 1*3DIGIT". */
const LIFETIME = /^(?:2\^)?\d{1,20}$/;
const MKI = /^(\d{1,20}):(\d{1,3})$/;

function fail(message: string): never {
  throw new ProtocolParseError("sdp", `a=crypto: ${message}`);
}

/** One `inline:` key-param. Errors name its shape, never its content (it is a key). */
function parseKeyParam(param: string, index: number): SdpCryptoKey {
  const colon = param.indexOf(":");
  const method = colon === -1 ? param : param.slice(0, colon);
  if (method.toLowerCase() !== "inline")
    fail(`key-param ${index + 1} uses key method "${method.slice(0, 20)}", only inline is defined`);
  const [keySalt, ...rest] = param.slice(colon + 1).split("|");
  if (keySalt === undefined || !BASE64.test(keySalt)) fail(`key-param ${index + 1}: key-salt is not base64`);
  if (rest.length > 2) fail(`key-param ${index + 1}: more than lifetime and MKI after the key`);
  let lifetime: string | undefined;
  let mki: SdpCryptoKey["mki"];
  for (const part of rest) {
    // §9.1: both are optional, in that order; the colon tells the MKI from a lifetime.
    const m = MKI.exec(part);
    if (m !== null && mki === undefined) {
      const length = Number(m[2]);
      if (length < 1 || length > 128) fail(`key-param ${index + 1}: MKI length ${length} outside 1..128`);
      mki = { value: m[1]!, length };
    } else if (LIFETIME.test(part) && lifetime === undefined && mki === undefined) lifetime = part;
    else fail(`key-param ${index + 1}: "${part.slice(0, 24)}" is neither a lifetime nor an MKI`);
  }
  const key: SdpCryptoKey = { keySalt: Buffer.from(keySalt, "base64") };
  return { ...key, ...(lifetime === undefined ? {} : { lifetime }), ...(mki === undefined ? {} : { mki }) };
}

/** Parses the value of one `a=crypto` attribute (what follows `crypto:`). */
export function parseCrypto(value: string): SdpCrypto {
  const match = CRYPTO.exec(value);
  if (match === null) fail("expected <tag> <crypto-suite> <key-params> [<session-params>]");
  const keys = match[3]!.split(";").map(parseKeyParam);
  const sessionParams = match[4]!.trim() === "" ? [] : match[4]!.trim().split(/[ \t]+/);
  return { tag: Number(match[1]), suite: match[2]!, keys, sessionParams };
}

/** Writes the value of an `a=crypto` attribute. */
export function formatCrypto(crypto: SdpCrypto): string {
  const keys = crypto.keys.map((key) => {
    let param = `inline:${key.keySalt.toString("base64")}`;
    if (key.lifetime !== undefined) param += `|${key.lifetime}`;
    if (key.mki !== undefined) param += `|${key.mki.value}:${key.mki.length}`;
    return param;
  });
  return [String(crypto.tag), crypto.suite, keys.join(";"), ...crypto.sessionParams].join(" ");
}

export function cryptoAttribute(crypto: SdpCrypto): SdpAttribute {
  return { name: "crypto", value: formatCrypto(crypto) };
}

/**
 * The `a=crypto` lines of a media description that parse. RFC 4568 §7.1.2: an answerer picks one
 * it supports, so a malformed line is passed over like an unsupported one rather than failing the
 * whole offer.
 */
export function cryptoLines(media: MediaDescription): SdpCrypto[] {
  const lines: SdpCrypto[] = [];
  for (const value of getAttributes(media.attributes, "crypto")) {
    try {
      lines.push(parseCrypto(value));
    } catch (error) {
      if (!(error instanceof ProtocolParseError)) throw error;
    }
  }
  return lines;
}

/** The SRTP transports SDES keys (RFC 4568 §3.1): "RTP/SAVP" (RFC 3711 §12) and "RTP/SAVPF" (RFC 5124). */
export function isSecureRtpProtocol(protocol: string): boolean {
  return /^RTP\/SAVPF?$/i.test(protocol);
}
