import type http from "node:http";
import { SESSION_COOKIE, authenticateRequest } from "../services/auth/auth-service";
import type { TrpcContext, TrpcDeps } from "../trpc/trpc";
import { parseCookies, serializeCookie } from "./cookies";

/** The server's services for the tRPC context (server/trpc/trpc.ts). */
export type ContextDeps = TrpcDeps;

export async function createTrpcContext(
  deps: ContextDeps,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<TrpcContext> {
  const secure = Boolean(deps.env.TLS_CERT);
  const sessionToken = parseCookies(req.headers.cookie).get(SESSION_COOKIE) ?? null;
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
  const { actor, refusal } = await authenticateRequest(deps.db, {
    apiToken: bearer,
    sessionToken: sessionToken ?? undefined,
  });
  return {
    ...deps,
    actor,
    authRefusal: refusal,
    source: req.socket.remoteAddress ?? "unknown",
    sessionToken,
    setSessionCookie: (token, expiresAt) =>
      res.appendHeader("Set-Cookie", serializeCookie(SESSION_COOKIE, token, { expires: expiresAt, secure })),
    clearSessionCookie: () =>
      res.appendHeader("Set-Cookie", serializeCookie(SESSION_COOKIE, "", { maxAgeZero: true, secure })),
  };
}
