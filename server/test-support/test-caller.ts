import type { Role } from "../../common/roles";
import { loadServerEnv } from "../env";
import type { Actor } from "../services/actor";
import { LoginThrottle } from "../services/auth/login-throttle";
import type { Db } from "../services/db";
import { createCaller } from "../trpc/root";

export function testActor(role: Role, username: string = role): Actor {
  return { kind: "user", userId: null, username, role };
}

/** A tRPC caller with the real router and middleware, as a given actor (null: signed out). */
export function callerFor(db: Db, actor: Actor | null, throttle = new LoginThrottle()) {
  const cookies: string[] = [];
  const caller = createCaller({
    db,
    env: loadServerEnv({}),
    throttle,
    actor,
    source: "127.0.0.1",
    sessionToken: null,
    setSessionCookie: (token) => cookies.push(token),
    clearSessionCookie: () => cookies.push(""),
  });
  return { caller, cookies };
}
