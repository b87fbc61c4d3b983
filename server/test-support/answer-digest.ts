import {
  computeDigestHa1,
  computeDigestResponse,
  formatDigestAuthorization,
  parseDigestAlgorithm,
  parseDigestHeader,
} from "../../protocol/sip";

/**
 * The Authorization header a phone sends back to a 401 (RFC 7616 §3.4, qop=auth), answering the
 * challenge with the wanted algorithm, or the first one.
 */
export function answerDigest(
  wwwAuthenticate: string[],
  opts: { user: string; password: string; method: string; uri: string; algorithm?: "MD5" | "SHA-256" },
): string {
  const challenges = wwwAuthenticate.map(parseDigestHeader);
  const wanted = opts.algorithm ?? "SHA-256";
  const challenge =
    challenges.find((c) => parseDigestAlgorithm(c.params.get("algorithm")) === wanted) ?? challenges[0];
  if (challenge === undefined) throw new Error("401 without a challenge");
  const algorithm = parseDigestAlgorithm(challenge.params.get("algorithm")) ?? "MD5";
  const realm = challenge.params.get("realm") ?? "";
  const nonce = challenge.params.get("nonce") ?? "";
  const cnonce = "0a4f113b";
  const nc = "00000001";
  const response = computeDigestResponse({
    algorithm,
    ha1: computeDigestHa1(algorithm, opts.user, realm, opts.password),
    nonce,
    method: opts.method,
    uri: opts.uri,
    qop: "auth",
    nc,
    cnonce,
  });
  const opaque = challenge.params.get("opaque");
  return formatDigestAuthorization({
    username: opts.user,
    realm,
    nonce,
    uri: opts.uri,
    response,
    algorithm,
    qop: "auth",
    nc,
    cnonce,
    ...(opaque === undefined ? {} : { opaque }),
  });
}
