import { createHash } from "node:crypto";
import { ProtocolParseError } from "../protocol-parse-error";
import { quote, splitTopLevel, unquote } from "./sip-params";

/** RFC 8760 adds RFC 7616's SHA-256 to SIP digest; MD5 stays for old phones. */
export type DigestAlgorithm = "MD5" | "SHA-256";

export interface DigestCredentials {
  scheme: string;
  /** auth-param names lower-cased, values unquoted. */
  params: Map<string, string>;
}

/**
 * Parses a WWW-Authenticate, Authorization, Proxy-Authenticate or Proxy-Authorization value
 * (RFC 3261 §25.1: challenge = ("Digest" LWS digest-cln *(COMMA digest-cln)) / other-challenge).
 */
export function parseDigestHeader(value: string): DigestCredentials {
  const match = /^\s*([A-Za-z0-9\-.!%*_+`'~]+)\s+(.*)$/s.exec(value);
  if (match === null) throw new ProtocolParseError("sip", `malformed credentials "${value.slice(0, 80)}"`);
  const params = new Map<string, string>();
  for (const part of splitTopLevel(match[2]!, ",")) {
    const eq = part.indexOf("=");
    if (eq === -1) throw new ProtocolParseError("sip", `malformed auth-param "${part.trim()}"`);
    const name = part.slice(0, eq).trim().toLowerCase();
    if (name === "" || params.has(name))
      throw new ProtocolParseError("sip", `bad or repeated auth-param "${name}"`);
    params.set(name, unquote(part.slice(eq + 1).trim()));
  }
  return { scheme: match[1]!, params };
}

export function parseDigestAlgorithm(value: string | undefined): DigestAlgorithm | undefined {
  // RFC 7616 §3.3: "If this is not present, it is assumed to be "MD5"."
  if (value === undefined || value.toUpperCase() === "MD5") return "MD5";
  if (value.toUpperCase() === "SHA-256") return "SHA-256";
  return undefined;
}

function hash(algorithm: DigestAlgorithm, text: string): string {
  return createHash(algorithm === "MD5" ? "md5" : "sha256")
    .update(text, "utf8")
    .digest("hex");
}

/** RFC 7616 §3.4.2: A1 = unq(username) ":" unq(realm) ":" passwd; stored as H(A1). */
export function computeDigestHa1(
  algorithm: DigestAlgorithm,
  username: string,
  realm: string,
  password: string,
): string {
  return hash(algorithm, `${username}:${realm}:${password}`);
}

/**
 * RFC 7616 §3.4.1: response = <"> < KD ( H(A1), unq(nonce) ":" nc ":" unq(cnonce) ":" unq(qop)
 * ":" H(A2) ) <"> with A2 = Method ":" request-uri (§3.4.3, qop "auth"); without qop, the RFC
 * 2617 §3.2.2.1 form KD(H(A1), unq(nonce) ":" H(A2)) that RFC 3261 §22.4 keeps for old clients.
 */
export function computeDigestResponse(input: {
  algorithm: DigestAlgorithm;
  ha1: string;
  nonce: string;
  method: string;
  uri: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
}): string {
  const ha2 = hash(input.algorithm, `${input.method}:${input.uri}`);
  if (input.qop === undefined) return hash(input.algorithm, `${input.ha1}:${input.nonce}:${ha2}`);
  return hash(
    input.algorithm,
    `${input.ha1}:${input.nonce}:${input.nc ?? ""}:${input.cnonce ?? ""}:${input.qop}:${ha2}`,
  );
}

export function formatDigestChallenge(challenge: {
  realm: string;
  nonce: string;
  algorithm: DigestAlgorithm;
  opaque?: string;
  stale?: boolean;
}): string {
  const parts = [
    `realm=${quote(challenge.realm)}`,
    `nonce=${quote(challenge.nonce)}`,
    ...(challenge.opaque === undefined ? [] : [`opaque=${quote(challenge.opaque)}`]),
    `algorithm=${challenge.algorithm}`,
    `qop="auth"`,
    ...(challenge.stale ? ["stale=true"] : []),
  ];
  return `Digest ${parts.join(", ")}`;
}

export function formatDigestAuthorization(input: {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm: DigestAlgorithm;
  opaque?: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
}): string {
  const parts = [
    `username=${quote(input.username)}`,
    `realm=${quote(input.realm)}`,
    `nonce=${quote(input.nonce)}`,
    `uri=${quote(input.uri)}`,
    `response=${quote(input.response)}`,
    `algorithm=${input.algorithm}`,
    ...(input.opaque === undefined ? [] : [`opaque=${quote(input.opaque)}`]),
    ...(input.qop === undefined
      ? []
      : [`qop=${input.qop}`, `nc=${input.nc ?? "00000001"}`, `cnonce=${quote(input.cnonce ?? "")}`]),
  ];
  return `Digest ${parts.join(", ")}`;
}
