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
    const sessionToken = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
    const apiToken = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1];
    const actor = await authenticate(db, { sessionToken, apiToken });
    if (actor === null || actor.userId === null)
      return { accepted: false, status: 401, reason: "Sign in to Forkline before connecting a softphone." };
    return { accepted: true, owner: actor.userId };
  };
}
