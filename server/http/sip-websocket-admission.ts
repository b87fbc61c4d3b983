import type { IncomingMessage } from "node:http";
import type { WsAdmission } from "../../sip-core";
import { SESSION_COOKIE, authenticate } from "../services/auth/auth-service";
import type { Db } from "../services/db";
import { parseCookies } from "./cookies";

/**
 * Who opens a SIP WebSocket: the softphone page's signed-in user (the browser sends the session
 * cookie with the upgrade) or an API token's user (Authorization: Bearer, for scripted clients).
 * Nobody else: the SIP password alone must not let someone register over the web port, where
 * the registrar then checks that an agent binds only their own extension.
 */
export function sipWebSocketAdmission(db: Db): (request: IncomingMessage) => Promise<WsAdmission> {
  return async (request) => {
    // Cross-site WebSocket hijacking: a page on another site can make a browser open this socket
    // with the user's cookie; only the Origin header tells. RFC 6455 §10.2: "Servers that are
    // not intended to process input from any web page but only for certain sites SHOULD verify
    // the |Origin| field is an origin they expect." Clients that are no browser send none.
    const origin = request.headers.origin;
    if (origin !== undefined && !isOwnOrigin(origin, request))
      return {
        accepted: false,
        status: 403,
        reason: `A softphone connects only from this site, not from ${origin.slice(0, 100)}.`,
      };
    const sessionToken = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
    const apiToken = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1];
    const actor = await authenticate(db, { sessionToken, apiToken });
    if (actor === null || actor.userId === null)
      return { accepted: false, status: 401, reason: "Sign in to Forkline before connecting a softphone." };
    return { accepted: true, owner: actor.userId };
  };
}

/** `origin` is this server as the browser reached it: same scheme, host and port. */
function isOwnOrigin(origin: string, request: IncomingMessage): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  const encrypted = (request.socket as { encrypted?: boolean }).encrypted === true;
  return url.protocol === (encrypted ? "https:" : "http:") && url.host === request.headers.host;
}
