import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../services/db";
import { callerFor, testActor } from "../test-support/test-caller";
import { createDemoDb } from "../test-support/demo-db";
import { AgentStateService } from "../services/agents/agent-state-service";
import { CtiEventBus } from "./cti-event-bus";
import { CtiService } from "./cti-service";
import { noCallControl, noRecordingControl } from "../test-support/no-calls";
import { type TEvent, TErrorCode } from "./t-library-events";

let db: Db;
let cleanup: () => Promise<void>;
let cti: CtiService;

beforeEach(async () => {
  ({ db, cleanup } = await createDemoDb());
  const bus = new CtiEventBus();
  cti = new CtiService(bus, new AgentStateService(db, bus), noCallControl, noRecordingControl);
});
afterEach(() => cleanup());

const login = (thisDn: string, agentId: string, referenceId = 1) =>
  cti.request({ request: "TAgentLogin", thisDn, agentId, referenceId });

describe("TAgentLogin / TAgentLogout", () => {
  it("logs an agent in on an extension and out again", async () => {
    const event = await login("1001", "5001", 7);
    expect(event).toMatchObject({
      event: "EventAgentLogin",
      thisDn: "1001",
      agentId: "5001",
      referenceId: 7,
    });
    expect(cti.agents.agentOnDn("1001")).toBe("5001");
    const out = await cti.request({ request: "TAgentLogout", thisDn: "1001" });
    expect(out).toMatchObject({ event: "EventAgentLogout", agentId: "5001" });
    expect(cti.agents.agentOnDn("1001")).toBeNull();
  });

  it("keeps agents logged in across a restart of the SIP Server (the state is in the database)", async () => {
    await login("1001", "5001");
    await login("1002", "5002");
    await cti.request({ request: "TAgentLogout", thisDn: "1002" });
    // A new process on the same database: what it restores is what was confirmed, no more.
    const restarted = new AgentStateService(db, new CtiEventBus());
    expect(await restarted.restore()).toBe(1);
    expect(restarted.agentOnDn("1001")).toBe("5001");
    expect(restarted.agentOnDn("1002")).toBeNull();
    const since = cti.agents.list()[0]!.since;
    expect(restarted.list()).toEqual([
      { agentId: "5001", dn: "1001", since, state: "not_ready", reasonCode: "", stateSince: since },
    ]);
    // And the rules still hold against the restored state.
    const bus = new CtiEventBus();
    const again = new CtiService(bus, restarted, noCallControl, noRecordingControl);
    const refused = await again.request({ request: "TAgentLogin", thisDn: "1003", agentId: "5001" });
    expect(refused.error?.code).toBe(TErrorCode.AGENT_ALREADY_LOGGED_IN);
  });

  it("answers each refused request with EventError and a stable code", async () => {
    const cases: [() => Promise<TEvent>, TErrorCode][] = [
      [() => login("4242", "5001"), TErrorCode.UNKNOWN_DN],
      [() => login("pstn", "5001"), TErrorCode.INVALID_DN_TYPE],
      [() => login("1001", "9999"), TErrorCode.UNKNOWN_AGENT],
      [() => cti.request({ request: "TAgentLogout", thisDn: "1002" }), TErrorCode.AGENT_NOT_LOGGED_IN],
    ];
    for (const [request, code] of cases) {
      const event = await request();
      expect(event.event).toBe("EventError");
      expect(event.error?.code).toBe(code);
      expect(event.error?.message.length).toBeGreaterThan(10);
    }
    expect(cti.agents.list()).toEqual([]);
  });

  it("one agent on one DN at a time", async () => {
    await login("1001", "5001");
    expect((await login("1002", "5001")).error?.code).toBe(TErrorCode.AGENT_ALREADY_LOGGED_IN);
    expect((await login("1001", "5002")).error?.code).toBe(TErrorCode.DN_ALREADY_HAS_AGENT);
    // Logging in again where already logged in is harmless.
    expect((await login("1001", "5001")).event).toBe("EventAgentLogin");
    expect(cti.agents.list()).toMatchObject([{ agentId: "5001", dn: "1001" }]);
  });
});

describe("TAgentSetReady / TAgentSetNotReady", () => {
  const ready = (thisDn: string, referenceId?: number) =>
    cti.request({ request: "TAgentSetReady", thisDn, ...(referenceId === undefined ? {} : { referenceId }) });
  const notReady = (thisDn: string, reasonCode?: string) =>
    cti.request({
      request: "TAgentSetNotReady",
      thisDn,
      ...(reasonCode === undefined ? {} : { reasonCode }),
    });

  it("an agent logs in Not Ready, goes Ready and Not Ready with a reason, each confirmed by its event on the bus", async () => {
    const seen: TEvent[] = [];
    const off = cti.bus.onPublish((e) => seen.push(e));
    await login("1001", "5001");
    expect(cti.agents.list()[0]).toMatchObject({ state: "not_ready", reasonCode: "" });
    expect(await ready("1001", 9)).toMatchObject({
      event: "EventAgentReady",
      thisDn: "1001",
      agentId: "5001",
      referenceId: 9,
      userData: {},
    });
    expect(cti.agents.list()[0]).toMatchObject({ state: "ready", reasonCode: "" });
    expect(await notReady("1001", "Break")).toMatchObject({
      event: "EventAgentNotReady",
      agentId: "5001",
      userData: { ReasonCode: "Break" },
    });
    // Repeating a request is confirmed again (a new reason code replaces the old one).
    expect((await notReady("1001", "Training")).userData).toEqual({ ReasonCode: "Training" });
    off();
    expect(seen.map((e) => e.event)).toEqual([
      "EventAgentLogin",
      "EventAgentReady",
      "EventAgentNotReady",
      "EventAgentNotReady",
    ]);
    // Saved with the agent session: what a restarted server (or the HA backup) reads back.
    expect(await db.agentSession.findUnique({ where: { agentId: "5001" } })).toMatchObject({
      state: "not_ready",
      reasonCode: "Training",
    });
    await ready("1001");
    const restarted = new AgentStateService(db, new CtiEventBus());
    await restarted.restore();
    expect(restarted.list()[0]).toMatchObject({ agentId: "5001", state: "ready", reasonCode: "" });
    expect(restarted.list()[0]!.stateSince.getTime()).toBeGreaterThanOrEqual(
      restarted.list()[0]!.since.getTime(),
    );
  });

  it("refuses Ready and Not Ready where no agent is logged in, with EventError AGENT_NOT_LOGGED_IN", async () => {
    for (const request of [() => ready("1002"), () => notReady("1002", "Break")]) {
      const event = await request();
      expect(event).toMatchObject({
        event: "EventError",
        thisDn: "1002",
        error: { code: TErrorCode.AGENT_NOT_LOGGED_IN },
      });
      expect(event.error?.message).toMatch(
        /^No agent is logged in on 1002: log in \(TAgentLogin\) before going/,
      );
    }
    // After a logout too: the session and its state are gone.
    await login("1001", "5001");
    await ready("1001");
    await cti.request({ request: "TAgentLogout", thisDn: "1001" });
    expect((await ready("1001")).error?.code).toBe(TErrorCode.AGENT_NOT_LOGGED_IN);
    expect(await db.agentSession.count()).toBe(0);
    // A new login starts Not Ready again.
    await login("1001", "5001");
    expect(cti.agents.list()[0]?.state).toBe("not_ready");
  });

  it("through tRPC: an agent sets only their own extension's state; a supervisor sees it in cti.agents with the names", async () => {
    const admin = callerFor(db, testActor("admin"), undefined, cti).caller;
    const amy = await admin.user.create({
      username: "amy",
      password: "password-123",
      role: "agent",
      extension: "1003",
      agentLoginCode: "5002",
    });
    const agent = callerFor(
      db,
      { kind: "user", userId: amy.id, username: "amy", role: "agent" },
      undefined,
      cti,
    ).caller;
    await agent.cti.request({ request: "TAgentLogin", thisDn: "1003", agentId: "5002" });
    expect(
      await agent.cti.request({ request: "TAgentSetNotReady", thisDn: "1003", reasonCode: "Lunch" }),
    ).toMatchObject({
      event: "EventAgentNotReady",
    });
    await expect(agent.cti.request({ request: "TAgentSetReady", thisDn: "1001" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(
      agent.cti.request({ request: "TAgentSetNotReady", thisDn: "1003", reasonCode: "<script>" }),
    ).rejects.toThrow(/reason code/);
    const supervisor = callerFor(db, testActor("supervisor"), undefined, cti).caller;
    expect(await supervisor.cti.agents()).toMatchObject([
      { agentId: "5002", dn: "1003", state: "not_ready", reasonCode: "Lunch", username: "amy" },
    ]);
    expect((await agent.cti.agentOnDn({ dn: "1003" }))?.state).toBe("not_ready");
  });
});

describe("requests that need calls", () => {
  it("TRequestPrivateService goes to the recording policy with who sent it, and its answer is the reply", async () => {
    const asked: unknown[] = [];
    const bus = new CtiEventBus();
    const withRecordings = new CtiService(bus, new AgentStateService(db, bus), noCallControl, {
      privateService: (req) => {
        asked.push(req);
        return noRecordingControl.privateService(req);
      },
    });
    const event = await withRecordings.request(
      {
        request: "TRequestPrivateService",
        thisDn: "1001",
        connId: "00a1",
        privateMsgId: 3013,
        extensions: { record: "source" },
        referenceId: 4,
      },
      "user:amy",
    );
    expect(asked).toEqual([
      {
        thisDn: "1001",
        connId: "00a1",
        privateMsgId: 3013,
        extensions: { record: "source" },
        origin: "user:amy",
        referenceId: 4,
      },
    ]);
    expect(event).toMatchObject({
      event: "EventError",
      connId: "00a1",
      error: { code: TErrorCode.NO_SUCH_CALL },
    });
  });

  it("TRouteCall on an unknown ConnID is refused", async () => {
    const event = await cti.request({
      request: "TRouteCall",
      thisDn: "7000",
      connId: "nope",
      otherDn: "1001",
    });
    expect(event.error?.code).toBe(TErrorCode.NO_SUCH_CALL);
  });
});

describe("event stream", () => {
  it("a client monitoring a DN gets that DN's events only, in order", async () => {
    const abort = new AbortController();
    const seen: TEvent[] = [];
    const done = (async () => {
      for await (const e of cti.bus.subscribe({ dns: ["1002"] }, abort.signal)) {
        seen.push(e);
        if (seen.length === 2) abort.abort();
      }
    })().catch((error: unknown) => {
      if ((error as Error).name !== "AbortError") throw error;
    });
    await login("1001", "5001");
    await login("1002", "5002");
    await cti.request({ request: "TAgentLogout", thisDn: "1002" });
    await done;
    expect(seen.map((e) => `${e.event}:${e.thisDn}`)).toEqual([
      "EventAgentLogin:1002",
      "EventAgentLogout:1002",
    ]);
    expect(seen[1]!.seq).toBeGreaterThan(seen[0]!.seq);
  });

  it("through tRPC: agents may send requests, only supervisors list agent states", async () => {
    const admin = callerFor(db, testActor("admin"), undefined, cti).caller;
    const amy = await admin.user.create({
      username: "amy",
      password: "password-123",
      role: "agent",
      extension: "1003",
      agentLoginCode: "5002",
    });
    const agent = callerFor(
      db,
      { kind: "user", userId: amy.id, username: "amy", role: "agent" },
      undefined,
      cti,
    ).caller;
    expect(
      await agent.cti.request({ request: "TAgentLogin", thisDn: "1003", agentId: "5002" }),
    ).toMatchObject({
      event: "EventAgentLogin",
    });
    await expect(agent.cti.agents()).rejects.toMatchObject({ code: "FORBIDDEN" });
    const supervisor = callerFor(db, testActor("supervisor"), undefined, cti).caller;
    expect(await supervisor.cti.agents()).toMatchObject([{ agentId: "5002", dn: "1003" }]);
    await expect(agent.cti.request({ request: "TAgentLogin", thisDn: "1003", agentId: "" })).rejects.toThrow(
      /login code/,
    );
  });
});
