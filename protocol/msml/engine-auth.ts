import { createHmac, timingSafeEqual } from "node:crypto";
import { ProtocolParseError } from "../protocol-parse-error";

/**
 * Server → engine, on every request outside a dialog (a new leg's INVITE, OPTIONS): proof that
 * the sender holds the engine's shared secret (MEDIA_ENGINE_SECRET). The address allow-list alone
 * trusts anything on an allowed network; with the secret, a host there that is not a SIP Server
 * still cannot open legs (an RTP relay) or send MSML.
 *
 * `X-Forkline-Auth: t=<unix seconds>;sig=<base64url HMAC-SHA256>` over
 * `<t>\n<method>\n<Call-ID>\n<CSeq number>`: bound to this request and to a time, so a captured
 * header opens nothing else and expires. In-dialog requests are not signed: they belong to a
 * dialog the engine itself accepted after checking its INVITE.
 */
export const ENGINE_AUTH_HEADER = "X-Forkline-Auth";
/** How far the signer's clock may be from the engine's, either way. */
export const ENGINE_AUTH_WINDOW_S = 60;

export type SignedRequest = { method: string; callId: string; cseq: number };

function signature(secret: string, t: number, request: SignedRequest): string {
  return createHmac("sha256", secret)
    .update(`${t}\n${request.method}\n${request.callId}\n${request.cseq}`)
    .digest("base64url");
}

/** The header value for `request` at `nowMs`. */
export function signEngineRequest(secret: string, request: SignedRequest, nowMs = Date.now()): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t};sig=${signature(secret, t, request)}`;
}

/** Throws ProtocolParseError when the value is not `t=<digits>;sig=<base64url>`. */
export function parseEngineAuth(value: string): { t: number; sig: string } {
  const match = /^t=(\d{1,12});sig=([A-Za-z0-9_-]{43})$/.exec(value.trim());
  if (match === null) throw new ProtocolParseError("msml", `malformed ${ENGINE_AUTH_HEADER}`);
  return { t: Number(match[1]), sig: match[2]! };
}

/**
 * Why `value` does not authenticate `request`, or null when it does. The signature is compared
 * in constant time: a timing difference would give it away byte by byte.
 */
export function checkEngineAuth(
  secret: string,
  value: string | undefined,
  request: SignedRequest,
  nowMs = Date.now(),
): string | null {
  if (value === undefined) return `no ${ENGINE_AUTH_HEADER}`;
  let parsed: { t: number; sig: string };
  try {
    parsed = parseEngineAuth(value);
  } catch (error) {
    return (error as Error).message;
  }
  if (Math.abs(nowMs / 1000 - parsed.t) > ENGINE_AUTH_WINDOW_S) return "signature outside the time window";
  const expected = Buffer.from(signature(secret, parsed.t, request));
  const given = Buffer.from(parsed.sig);
  return expected.length === given.length && timingSafeEqual(expected, given) ? null : "bad signature";
}
