import type http from "node:http";
import { SESSION_COOKIE, authenticate } from "../services/auth/auth-service";
import type { LoginThrottle } from "../services/auth/login-throttle";
import type { Db } from "../services/db";
import type { ServerEnv } from "../env";
import type { TrpcContext } from "../trpc/trpc";
import type { CtiService } from "../cti/cti-service";
import type { LiveCalls, LiveRecordings, SipProbe } from "../services/calls/call-control-service";
import { parseCookies, serializeCookie } from "./cookies";

export type ContextDeps = {
  db: Db;
  env: ServerEnv;
  throttle: LoginThrottle;
  cti: CtiService;
  calls: LiveCalls;
  recordings: LiveRecordings;
  /** OPTIONS to a SIP URI through the SIP Server. */
  sipProbe: SipProbe;
};

export async function createTrpcContext(
  deps: ContextDeps,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<TrpcContext> {
  const secure = Boolean(deps.env.TLS_CERT);
  const sessionToken = parseCookies(req.headers.cookie).get(SESSION_COOKIE) ?? null;
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
  const actor = await authenticate(deps.db, { apiToken: bearer, sessionToken: sessionToken ?? undefined });
  return {
    ...deps,
    actor,
    source: req.socket.remoteAddress ?? "unknown",
    sessionToken,
    setSessionCookie: (token, expiresAt) =>
      res.appendHeader("Set-Cookie", serializeCookie(SESSION_COOKIE, token, { expires: expiresAt, secure })),
    clearSessionCookie: () =>
      res.appendHeader("Set-Cookie", serializeCookie(SESSION_COOKIE, "", { maxAgeZero: true, secure })),
  };
}
