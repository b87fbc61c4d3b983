/**
 * Recognizing a SIPREC recording-session INVITE (RFC 7866) from its headers.
 *
 * (Paraphrase, not a quotation.) RFC 7866 §6.1.1 has the SRC put the "siprec" option tag in
 * Require and the "+sip.src" feature tag on its Contact, so the SRS can tell a recording session
 * from an ordinary call; the RFC 7866 example INVITE carries exactly `Require: siprec` and
 * `Contact: <sip:2000@src.example.com>;+sip.src`, with the SDP offer and the metadata together in a
 * `multipart/mixed` body (`Content-Type: multipart/mixed;boundary=foobar`).
 */
import { ProtocolParseError } from "../protocol-parse-error";
import { parseContentType } from "../multipart/content-type";

/** Option tag an SRC puts in Require (RFC 7866 §6.1.1). */
export const SIPREC_OPTION_TAG = "siprec";
/** Contact feature tag marking the UA as a Session Recording Client (RFC 7866). */
export const SRC_FEATURE_TAG = "+sip.src";

export interface SiprecInviteHeaders {
  /** Option tags from every Require header, split on commas or not. */
  require: string[];
  /** The Contact header value. */
  contact?: string;
  /** The Content-Type header value. */
  contentType?: string;
}

/** Splits a header-parameter list (`;a;b=c`) respecting quoted strings; returns lower-cased names. */
function parameterNames(params: string): string[] {
  const names: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < params.length; i++) {
    const ch = params[i];
    if (ch === '"') quoted = !quoted;
    if (ch === "\\" && quoted) {
      current += ch + (params[i + 1] ?? "");
      i++;
      continue;
    }
    if (ch === ";" && !quoted) {
      names.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  names.push(current);
  return names.map((p) => (p.split("=")[0] ?? "").trim().toLowerCase()).filter((name) => name !== "");
}

/** The header parameters of a Contact value (after the name-addr's `>`, or after the bare URI). */
function contactHasFeatureTag(contact: string, tag: string): boolean {
  const trimmed = contact.trim();
  let params: string;
  const close = trimmed.indexOf(">");
  if (trimmed.includes("<") && close !== -1) {
    params = trimmed.slice(close + 1);
  } else {
    // addr-spec form: no URI parameters possible, everything after the first ";" is header params
    const semi = trimmed.indexOf(";");
    params = semi === -1 ? "" : trimmed.slice(semi);
  }
  return parameterNames(params).includes(tag.toLowerCase());
}

/**
 * Whether the headers describe a SIPREC INVITE: Require contains "siprec", Contact carries
 * "+sip.src", and the body is multipart (SDP + rs-metadata). The reason names what is missing.
 * Option tags and feature tags are compared case-insensitively.
 */
export function isSiprecInvite(headers: SiprecInviteHeaders): { ok: true } | { ok: false; reason: string } {
  const tags = headers.require
    .flatMap((value) => value.split(","))
    .map((tag) => tag.trim().toLowerCase())
    .filter((tag) => tag !== "");
  if (!tags.includes(SIPREC_OPTION_TAG))
    return { ok: false, reason: `Require does not contain the "${SIPREC_OPTION_TAG}" option tag` };
  if (headers.contact === undefined || headers.contact.trim() === "")
    return { ok: false, reason: `no Contact header (it must carry the "${SRC_FEATURE_TAG}" feature tag)` };
  if (!contactHasFeatureTag(headers.contact, SRC_FEATURE_TAG))
    return { ok: false, reason: `Contact does not carry the "${SRC_FEATURE_TAG}" feature tag` };
  if (headers.contentType === undefined || headers.contentType.trim() === "")
    return {
      ok: false,
      reason: "no Content-Type: a SIPREC INVITE carries a multipart/mixed body (SDP + rs-metadata)",
    };
  let type: string;
  let subtype: string;
  let boundary: string | undefined;
  try {
    const parsed = parseContentType(headers.contentType);
    type = parsed.type;
    subtype = parsed.subtype;
    boundary = parsed.params.get("boundary");
  } catch (err) {
    if (err instanceof ProtocolParseError)
      return { ok: false, reason: `Content-Type is malformed: ${err.message}` };
    throw err;
  }
  if (type !== "multipart")
    return {
      ok: false,
      reason: `Content-Type is ${type}/${subtype}, not multipart/mixed with SDP and rs-metadata parts`,
    };
  if (boundary === undefined)
    return { ok: false, reason: "multipart Content-Type has no boundary parameter" };
  return { ok: true };
}
