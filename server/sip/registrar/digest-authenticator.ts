import { randomBytes, timingSafeEqual } from "node:crypto";
import { ProtocolParseError } from "../../../protocol/protocol-parse-error";
import {
  computeDigestHa1,
  computeDigestResponse,
  formatDigestChallenge,
  formatSipUri,
  parseDigestAlgorithm,
  parseDigestHeader,
  parseSipUri,
  type DigestAlgorithm,
  type DigestCredentials,
  type SipRequest,
  type SipUri,
} from "../../../protocol/sip";
import { SipError } from "../../../sip-core";
import type { NonceAuthority } from "./nonce-authority";

/** Looks up H(A1) of a user: see RegistrarCredentialsStore. */
export interface Ha1Source {
  findHa1(username: string, algorithm: DigestAlgorithm): Promise<string | undefined>;
  /** Further H(A1) that authenticate the user for now (short-lived softphone credentials). */
  findTemporaryHa1s?(username: string, algorithm: DigestAlgorithm): Promise<string[]>;
}

export type DigestOutcome =
  /** Answer 401 with fresh challenges. */
  | { readonly kind: "challenge"; readonly stale: boolean }
  /** Answer 403: wrong user, unknown user, wrong password or a replay. Counts as a failed attempt. */
  | { readonly kind: "failed" }
  | {
      readonly kind: "authenticated";
      readonly username: string;
      /** Which secret matched: the user's own password or a short-lived credential. */
      readonly via: "password" | "temporary";
    };

/**
 * RFC 8760 §2.4 has a UAS offer one challenge per digest algorithm, ordered by its preference:
 * SHA-256 first, MD5 last for the phones that know nothing else.
 */
export const OFFERED_ALGORITHMS: readonly DigestAlgorithm[] = ["SHA-256", "MD5"];

/**
 * Digest authentication of a request (RFC 3261 §22.4 with the RFC 7616 algorithms that RFC 8760
 * brings to SIP), qop "auth" only: the nonce count it carries is what lets replays be refused.
 */
export class DigestAuthenticator {
  /** The password of the users that do not exist: see authenticate(). */
  private readonly decoyPassword = randomBytes(16).toString("hex");

  constructor(
    private readonly realm: string,
    private readonly store: Ha1Source,
    private readonly nonces: NonceAuthority,
  ) {}

  /** WWW-Authenticate values, one per algorithm, in order of preference. */
  challenges(stale: boolean): string[] {
    return OFFERED_ALGORITHMS.map((algorithm) =>
      formatDigestChallenge({ realm: this.realm, nonce: this.nonces.issue(), algorithm, stale }),
    );
  }

  /**
   * Checks the Authorization of `request` for `expectedUsername`. Throws SipError 400 for
   * credentials too broken to check.
   */
  async authenticate(request: SipRequest, expectedUsername: string): Promise<DigestOutcome> {
    const credentials = this.ourCredentials(request);
    if (credentials === undefined) return { kind: "challenge", stale: false };
    const params = credentials.params;
    const username = params.get("username");
    const nonce = params.get("nonce");
    const uri = params.get("uri");
    const response = params.get("response");
    if (username === undefined || nonce === undefined || uri === undefined || response === undefined) {
      throw new SipError(400, "Incomplete digest credentials");
    }
    const algorithm = parseDigestAlgorithm(params.get("algorithm"));
    // An algorithm we did not offer: the client may pick one of those we offer.
    if (algorithm === undefined) return { kind: "challenge", stale: false };
    if (!sameResource(uri, request.uri)) {
      // RFC 2617 §3.2.2.5: "The authenticating server must assure that the resource designated
      // by the 'uri' directive is the same as the resource specified in the Request-Line; if they
      // are not, the server SHOULD return a 400 Bad Request error."
      throw new SipError(400, "Digest uri does not match the Request-URI");
    }
    const nonceStatus = this.nonces.check(nonce);
    // Not one of ours (forged, or issued before a restart): nothing to check the digest against.
    if (nonceStatus === "invalid") return { kind: "challenge", stale: false };

    const qop = params.get("qop");
    const nc = params.get("nc");
    const cnonce = params.get("cnonce");
    if (qop !== undefined && (nc === undefined || cnonce === undefined)) {
      throw new SipError(400, "Incomplete digest credentials");
    }
    if (nc !== undefined && !/^[0-9A-Fa-f]{8}$/.test(nc)) throw new SipError(400, "Malformed nonce count");

    // Who the user is, whether they exist and whether the password is right are all decided by
    // one digest comparison, with a made-up H(A1) when there is no real one, so neither the
    // answer nor its timing tells an unknown user from a wrong password.
    // A user may have several: the DN's password and any unexpired softphone credential. Every
    // one is compared, so the time taken does not tell which (if any) matched.
    const candidates: { ha1: string; via: "password" | "temporary" }[] = [];
    if (username === expectedUsername) {
      const [own, temporary] = await Promise.all([
        this.store.findHa1(username, algorithm),
        this.store.findTemporaryHa1s?.(username, algorithm) ?? Promise.resolve([]),
      ]);
      if (own !== undefined) candidates.push({ ha1: own, via: "password" });
      for (const ha1 of temporary) candidates.push({ ha1, via: "temporary" });
    }
    const decoy = computeDigestHa1(algorithm, username, this.realm, this.decoyPassword);
    let matched: "password" | "temporary" | undefined;
    for (const candidate of candidates.length === 0 ? [{ ha1: decoy, via: undefined }] : candidates) {
      const expected = computeDigestResponse({
        algorithm,
        ha1: candidate.ha1,
        nonce,
        method: request.method,
        uri,
        qop,
        nc,
        cnonce,
      });
      if (constantTimeEqual(expected, response.toLowerCase()) && matched === undefined)
        matched = candidate.via;
    }
    // Without qop there is no nonce count, so a captured request could be replayed at will.
    if (matched === undefined || qop?.toLowerCase() !== "auth" || nc === undefined) {
      return { kind: "failed" };
    }
    // RFC 2617 §3.2.1 stale: "The server should only set stale to TRUE if it receives a request
    // for which the nonce is invalid but with a valid digest for that nonce (indicating that the
    // client knows the correct username/password)."
    if (nonceStatus === "stale") return { kind: "challenge", stale: true };
    if (!this.nonces.acceptCount(nonce, parseInt(nc, 16))) return { kind: "failed" };
    return { kind: "authenticated", username, via: matched };
  }

  /**
   * The Authorization row meant for our realm. Each row is one set of credentials (RFC 3261
   * §7.3.1 lists Authorization among the fields whose rows cannot be comma-joined), and a
   * request that crossed proxies may carry rows for other realms.
   */
  private ourCredentials(request: SipRequest): DigestCredentials | undefined {
    for (const value of request.headers.getAll("Authorization")) {
      let credentials: DigestCredentials;
      try {
        credentials = parseDigestHeader(value);
      } catch (error) {
        if (error instanceof ProtocolParseError) throw new SipError(400, "Malformed Authorization");
        throw error;
      }
      if (credentials.scheme.toLowerCase() !== "digest") continue;
      if (credentials.params.get("realm") === this.realm) return credentials;
    }
    return undefined;
  }
}

function sameResource(digestUri: string, requestUri: SipUri): boolean {
  let parsed: SipUri;
  try {
    parsed = parseSipUri(digestUri);
  } catch (error) {
    if (error instanceof ProtocolParseError) return false;
    throw error;
  }
  return normalizedUri(parsed) === normalizedUri(requestUri);
}

/** RFC 3261 §19.1.4: scheme and host compare case-insensitively, the user part does not. */
function normalizedUri(uri: SipUri): string {
  return formatSipUri({ ...uri, scheme: uri.scheme.toLowerCase(), host: uri.host.toLowerCase() });
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "latin1");
  const right = Buffer.from(b, "latin1");
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}
