import type { Role } from "../../common/roles";
import { loadServerEnv } from "../env";
import type { Actor } from "../services/actor";
import { LoginThrottle } from "../services/auth/login-throttle";
import type { Db } from "../services/db";
import { createCaller } from "../trpc/root";
import type { TrpcContext } from "../trpc/trpc";
import { AgentStateService } from "../services/agents/agent-state-service";
import { CtiEventBus } from "../cti/cti-event-bus";
import { CtiService } from "../cti/cti-service";
import {
  noCallControl,
  noLiveCalls,
  noLiveCallsFeed,
  noRecordingControl,
  noRecordingsToControl,
  noSipProbe,
} from "./no-calls";

export function testActor(role: Role, username: string = role): Actor {
  return { kind: "user", userId: null, username, role };
}

/** A tRPC caller with the real router and middleware, as a given actor (null: signed out). */
export function callerFor(
  db: Db,
  actor: Actor | null,
  throttle = new LoginThrottle(),
  cti?: CtiService,
  more: Partial<Pick<TrpcContext, "authRefusal">> = {},
) {
  const cookies: string[] = [];
  const bus = new CtiEventBus();
  const caller = createCaller({
    db,
    env: loadServerEnv({}),
    throttle,
    cti: cti ?? new CtiService(bus, new AgentStateService(db, bus), noCallControl, noRecordingControl),
    calls: noLiveCalls,
    liveCalls: noLiveCallsFeed,
    recordings: noRecordingsToControl,
    sipProbe: noSipProbe,
    engineStatus: () => null,
    actor,
    source: "127.0.0.1",
    sessionToken: null,
    setSessionCookie: (token) => cookies.push(token),
    clearSessionCookie: () => cookies.push(""),
    ...more,
  });
  return { caller, cookies };
}
