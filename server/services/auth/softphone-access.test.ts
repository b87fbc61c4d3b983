import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Role } from "../../../common/roles";
import { AgentStateService } from "../agents/agent-state-service";
import { CtiEventBus } from "../../cti/cti-event-bus";
import { CtiService } from "../../cti/cti-service";
import { TErrorCode } from "../../cti/t-library-events";
import { callerFor, testActor } from "../../test-support/test-caller";
import { createDemoDb } from "../../test-support/demo-db";
import type { Actor } from "../actor";
import type { LiveCalls } from "../calls/call-control-service";
import { CallState } from "../../sip/calls/call";
import type { Db } from "../db";
import { noCallControl, noRecordingControl } from "../../test-support/no-calls";
import { ctiEventDnsFor, ctiRequestAs, mayRegisterExtension } from "./softphone-access";

let db: Db;
let cleanup: () => Promise<void>;
let cti: CtiService;
let admin: ReturnType<typeof callerFor>["caller"];

beforeEach(async () => {
  ({ db, cleanup } = await createDemoDb());
  const bus = new CtiEventBus();
  cti = new CtiService(bus, new AgentStateService(db, bus), noCallControl, noRecordingControl);
  admin = callerFor(db, testActor("admin"), undefined, cti).caller;
});
afterEach(() => cleanup());

/** A real user row, so the binding is read from the database as in production. */
async function user(
  username: string,
  role: Role,
  bindings: { extension?: string; agentLoginCode?: string } = {},
): Promise<Actor> {
  const created = await admin.user.create({ username, password: "password-123", role, ...bindings });
  return { kind: "user", userId: created.id, username, role };
}

const callOn = (connId: string, callerDn: string, calleeDn: string): LiveCalls => ({
  list: () => [
    {
      connId,
      state: CallState.Established,
      caller: { kind: "extension", dn: callerDn, number: callerDn },
      callee: { kind: "extension", dn: calleeDn, number: calleeDn },
      dialed: calleeDn,
      startedAt: new Date(),
      establishedAt: new Date(),
    },
  ],
});

describe("an agent bound to extension 1003 and agent login 5002", () => {
  it("logs in on their extension as their agent login, and nothing else", async () => {
    const amy = callerFor(
      db,
      await user("amy", "agent", { extension: "1003", agentLoginCode: "5002" }),
      undefined,
      cti,
    ).caller;
    await expect(
      amy.cti.request({ request: "TAgentLogin", thisDn: "1001", agentId: "5002" }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "You may use only your own extension 1003, not 1001.",
    });
    await expect(
      amy.cti.request({ request: "TAgentLogin", thisDn: "1003", agentId: "5001" }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "You may log in only as agent 5002, not 5001.",
    });
    expect(cti.agents.list()).toEqual([]);
    expect(await amy.cti.request({ request: "TAgentLogin", thisDn: "1003", agentId: "5002" })).toMatchObject({
      event: "EventAgentLogin",
      agentId: "5002",
    });
    expect(await amy.cti.agentOnDn({ dn: "1003" })).toMatchObject({ agentId: "5002" });
    await expect(amy.cti.agentOnDn({ dn: "1001" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(amy.cti.request({ request: "TAgentLogout", thisDn: "1001" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  it("a recording request carries who asked and their role to the recording policy (compliance rules judge the role)", async () => {
    const seen: { origin?: string; role?: string }[] = [];
    const capture = new CtiService(
      new CtiEventBus(),
      new AgentStateService(db, new CtiEventBus()),
      noCallControl,
      {
        privateService: (req) => {
          seen.push({
            ...(req.origin === undefined ? {} : { origin: req.origin }),
            ...(req.role === undefined ? {} : { role: req.role }),
          });
          return noRecordingControl.privateService(req);
        },
      },
    );
    const actor = await user("ann", "agent", { extension: "1003" });
    await ctiRequestAs({ db, cti: capture, calls: callOn("c1", "1002", "1003") }, actor, {
      request: "TRequestPrivateService",
      thisDn: "1003",
      connId: "c1",
      privateMsgId: 3014,
    });
    expect(seen).toEqual([{ origin: "user:ann", role: "agent" }]);
  });

  it("controls only calls of their extension and cannot route", async () => {
    const actor = await user("amy", "agent", { extension: "1003", agentLoginCode: "5002" });
    const onMine = { db, cti, calls: callOn("c1", "1002", "1003") };
    // The call is on 1003: the request reaches the recording policy (no SIP Server here).
    const event = await ctiRequestAs(onMine, actor, {
      request: "TRequestPrivateService",
      thisDn: "1003",
      connId: "c1",
      privateMsgId: 3015,
    });
    expect(event.error?.code).toBe(TErrorCode.NO_SUCH_CALL);
    const notMine = { db, cti, calls: callOn("c2", "1001", "1002") };
    await expect(
      ctiRequestAs(notMine, actor, {
        request: "TRequestPrivateService",
        thisDn: "1003",
        connId: "c2",
        privateMsgId: 3015,
      }),
    ).rejects.toThrow("Call c2 is not on your extension 1003.");
    await expect(
      ctiRequestAs(notMine, actor, { request: "TReleaseCall", thisDn: "1003", connId: "c2" }),
    ).rejects.toThrow(/not on your extension/);
    await expect(
      ctiRequestAs(onMine, actor, { request: "TRouteCall", thisDn: "7000", connId: "c1", otherDn: "1003" }),
    ).rejects.toThrow("Routing calls needs the supervisor role.");
  });

  it("follows the CTI events of their own extension only", async () => {
    const amy = await user("amy", "agent", { extension: "1003" });
    expect(await ctiEventDnsFor(db, amy, undefined)).toEqual(["1003"]);
    expect(await ctiEventDnsFor(db, amy, ["1003"])).toEqual(["1003"]);
    await expect(ctiEventDnsFor(db, amy, ["1003", "1001"])).rejects.toThrow(
      "You may use only your own extension 1003, not 1001.",
    );
    // Supervisors may follow every DN (undefined) or any they name.
    expect(await ctiEventDnsFor(db, testActor("supervisor"), undefined)).toBeUndefined();
    expect(await ctiEventDnsFor(db, testActor("supervisor"), ["1001"])).toEqual(["1001"]);
  });

  it("an agent without an extension or agent login is told to ask an admin", async () => {
    const bob = callerFor(db, await user("bob", "agent"), undefined, cti).caller;
    await expect(bob.cti.request({ request: "TAgentLogout", thisDn: "1002" })).rejects.toThrow(
      "No extension is assigned to you; ask an admin to assign one.",
    );
    await admin.user.update({ username: "bob", extension: "1002" });
    await expect(
      bob.cti.request({ request: "TAgentLogin", thisDn: "1002", agentId: "5002" }),
    ).rejects.toThrow("No agent login is assigned to you; ask an admin.");
  });

  it("supervisors and admins may act on any extension", async () => {
    const sue = callerFor(db, await user("sue", "supervisor"), undefined, cti).caller;
    expect(await sue.cti.request({ request: "TAgentLogin", thisDn: "1002", agentId: "5001" })).toMatchObject({
      event: "EventAgentLogin",
    });
    expect(await admin.cti.request({ request: "TAgentLogout", thisDn: "1002" })).toMatchObject({
      event: "EventAgentLogout",
    });
  });
});

describe("binding users to extensions and agent logins", () => {
  it("checks what is bound and keeps it in the audit log", async () => {
    await expect(
      admin.user.create({ username: "x1", password: "password-123", role: "agent", extension: "4444" }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "Extension 4444 does not exist.",
    });
    await expect(
      admin.user.create({ username: "x1", password: "password-123", role: "agent", extension: "pstn" }),
    ).rejects.toThrow("Extension pstn does not exist.");
    await expect(
      admin.user.create({ username: "x1", password: "password-123", role: "agent", agentLoginCode: "9999" }),
    ).rejects.toThrow("Agent login 9999 does not exist.");
    // The demo agent owns 1001 and 5001.
    await expect(
      admin.user.create({ username: "x1", password: "password-123", role: "agent", extension: "1001" }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
      message: "Extension 1001 already belongs to agent.",
    });
    await expect(
      admin.user.create({ username: "x1", password: "password-123", role: "agent", agentLoginCode: "5001" }),
    ).rejects.toThrow("Agent login 5001 already belongs to agent.");
    expect(await db.user.findUnique({ where: { username: "x1" } })).toBeNull();

    await admin.user.update({ username: "agent", extension: "1002", agentLoginCode: null });
    expect(await db.user.findUniqueOrThrow({ where: { username: "agent" } })).toMatchObject({
      extension: "1002",
      agentLoginCode: null,
    });
    const [event] = await admin.audit.list({ limit: 1 });
    expect(event).toMatchObject({
      action: "user.update",
      before: { extension: "1001", agentLoginCode: "5001" },
      after: { extension: "1002", agentLoginCode: null },
    });
    // Leaving a binding out of an update keeps it.
    await admin.user.update({ username: "agent", role: "agent" });
    expect((await db.user.findUniqueOrThrow({ where: { username: "agent" } })).extension).toBe("1002");
    expect((await admin.user.list()).find((u) => u.username === "agent")).toMatchObject({
      extension: "1002",
    });
  });

  it("deleting the extension or the agent login unbinds the user", async () => {
    await user("amy", "agent", { extension: "1003", agentLoginCode: "5002" });
    await admin.dn.delete({ number: "1003" });
    await admin.agentLogin.delete({ loginCode: "5002" });
    expect(await db.user.findUniqueOrThrow({ where: { username: "amy" } })).toMatchObject({
      extension: null,
      agentLoginCode: null,
    });
  });

  it("auth.me tells the softphone which extension and agent login are the user's", async () => {
    const actor = await user("amy", "agent", { extension: "1003", agentLoginCode: "5002" });
    expect(await callerFor(db, actor).caller.auth.me()).toMatchObject({
      username: "amy",
      role: "agent",
      extension: "1003",
      agentLoginCode: "5002",
    });
  });

  it("the registrar lets a signed-in agent's flow bind only their own extension", async () => {
    const amy = await user("amy", "agent", { extension: "1003" });
    const sue = await user("sue", "supervisor");
    expect(await mayRegisterExtension(db, amy.userId!, "1003")).toBeNull();
    expect(await mayRegisterExtension(db, amy.userId!, "1002")).toBe(
      "Extension 1002 is not assigned to this user",
    );
    expect(await mayRegisterExtension(db, sue.userId!, "1002")).toBeNull();
    const bob = await user("bob", "agent");
    expect(await mayRegisterExtension(db, bob.userId!, "1002")).toBe("No extension is assigned to this user");
    await admin.user.delete({ username: "bob" });
    expect(await mayRegisterExtension(db, bob.userId!, "1002")).toBe("The signed-in user no longer exists");
  });
});
