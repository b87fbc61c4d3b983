import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CtiEventBus } from "../../cti/cti-event-bus";
import type { TEvent } from "../../cti/t-library-events";
import type { Call } from "../../sip/calls/call";
import type { CallSide } from "../../sip/calls/call-controller";
import { createTestDb } from "../../test-support/test-db";
import type { Db } from "../db";
import { AlarmService } from "../alarms/alarm-service";
import { RecordingService } from "./recording-service";
import { establishedCall, FakeCallLayer } from "../../test-support/fake-call-layer";

let db: Db;
let cleanup: () => Promise<void>;
let layer: FakeCallLayer;
let service: RecordingService;
let bus: CtiEventBus;
let agentOn1001: string | null;
const errors: unknown[] = [];

beforeEach(async () => {
  ({ db, cleanup } = await createTestDb());
  await db.recorder.create({
    data: { name: "lab", uri: "sip:srs@127.0.0.1:5080", position: 1, enabled: true },
  });
  await db.dn.create({ data: { number: "1001", type: "extension" } });
  await db.dn.create({ data: { number: "pstn", type: "trunk", peerHost: "127.0.0.1", peerPort: 5062 } });
  await db.agentLogin.create({ data: { loginCode: "5001", name: "Alice" } });
  layer = new FakeCallLayer();
  bus = new CtiEventBus();
  agentOn1001 = null;
  service = new RecordingService(
    db,
    layer,
    bus,
    (dn) => (dn === "1001" ? agentOn1001 : null),
    (error) => errors.push(error),
  );
});

afterEach(async () => {
  // Nothing the service started may outlive the test's database, and nothing may have failed.
  service.close();
  await service.idle();
  await cleanup();
  expect(errors.splice(0)).toEqual([]);
});

async function answer(call: Call): Promise<void> {
  layer.calls.set(call.connId, call);
  layer.listener.established?.(call);
  // The policy reads the database asynchronously: wait until it has decided.
  await service.idle();
}

type Standing = {
  dnRecord?: boolean;
  trunkRecord?: boolean;
  agentRecord?: boolean;
  agentLoggedIn?: boolean;
  route?: string;
};

describe("full-time and routed recording at answer (DN type × trigger × side)", () => {
  const cases: [string, Standing, [CallSide, string][]][] = [
    ["nothing configured", {}, []],
    ["extension DN record=true → agent side", { dnRecord: true }, [["callee", "full_time_dn"]]],
    ["trunk DN record=true → customer side", { trunkRecord: true }, [["caller", "full_time_trunk"]]],
    [
      "agent login record=true, agent on the DN → agent side",
      { agentRecord: true, agentLoggedIn: true },
      [["callee", "full_time_agent"]],
    ],
    ["agent login record=true, agent logged out → nothing", { agentRecord: true }, []],
    [
      "DN and trunk → both sides",
      { dnRecord: true, trunkRecord: true },
      [
        ["caller", "full_time_trunk"],
        ["callee", "full_time_dn"],
      ],
    ],
    ["route record=destination → agent side", { route: "destination" }, [["callee", "route"]]],
    ["route record=source → customer side", { route: "source" }, [["caller", "route"]]],
    [
      "route disable_destination suppresses the DN's full-time",
      { dnRecord: true, route: "disable_destination" },
      [],
    ],
    [
      "route disable_source leaves the agent side",
      { dnRecord: true, trunkRecord: true, route: "disable_source" },
      [["callee", "full_time_dn"]],
    ],
    [
      "route destination on a full-time side is refused (full-time wins)",
      { dnRecord: true, route: "destination" },
      [["callee", "full_time_dn"]],
    ],
  ];
  it.each(cases)("%s", async (_name, standing, expected) => {
    await db.dn.update({ where: { number: "1001" }, data: { record: standing.dnRecord ?? false } });
    await db.dn.update({ where: { number: "pstn" }, data: { record: standing.trunkRecord ?? false } });
    await db.agentLogin.update({
      where: { loginCode: "5001" },
      data: { record: standing.agentRecord ?? false },
    });
    agentOn1001 = standing.agentLoggedIn ? "5001" : null;
    await answer(establishedCall("c1", standing.route === undefined ? {} : { record: standing.route }));
    const rows = await db.recordingSession.findMany({ orderBy: { side: "asc" } });
    expect(rows.map((r) => [r.side === "source" ? "caller" : "callee", r.trigger]).sort()).toEqual(
      [...expected].sort(),
    );
    expect(layer.started.map((s) => s.side).sort()).toEqual(expected.map(([side]) => side).sort());
    // The call view's summary: one call with its parties, whatever records it.
    expect(
      await db.recordedCall.findMany({ select: { connId: true, callerNumber: true, calleeDn: true } }),
    ).toEqual(expected.length === 0 ? [] : [{ connId: "c1", callerNumber: "+15550001", calleeDn: "1001" }]);
  });
});

describe("TRequestPrivateService (side × current state → outcome)", () => {
  const request = (msg: number, extensions: Record<string, string> = {}, thisDn = "1001") =>
    service.privateService({ thisDn, connId: "c1", privateMsgId: msg, extensions, referenceId: 7 });
  const started = async () => {
    const event = layer.started.at(-1)!;
    layer.listener.recordingEvent?.({
      connId: "c1",
      name: "started",
      dialogId: "x",
      recordingId: event.recordingId,
      recorder: event.dest[0]!,
    });
    await service.idle();
  };
  const code = (event: TEvent) => event.error?.code ?? event.userData.GSIP_RECORD;

  beforeEach(async () => {
    await db.dn.update({ where: { number: "1001" }, data: { record: true } });
    await answer(establishedCall("c1"));
  });

  const cases: [string, () => Promise<unknown>, number, Record<string, string>, string?, string?][] = [
    [
      "start source (ThisDN's side) while full-time records it",
      async () => undefined,
      3013,
      { record: "source" },
      "ALREADY_RECORDED",
    ],
    [
      "start destination (the customer side) with id, dest and params",
      async () => undefined,
      3013,
      { record: "destination", id: "r-1", dest: "sip:other@127.0.0.1:5090", params: "a=1&b=2" },
      "ON",
    ],
    [
      "start with a file: dest",
      async () => undefined,
      3013,
      { record: "destination", dest: "file:///tmp/x.wav" },
      "INVALID_DESTINATION",
    ],
    [
      "start with a non-SIP dest",
      async () => undefined,
      3013,
      { record: "destination", dest: "http://x" },
      "INVALID_DESTINATION",
    ],
    ["pause the full-time side once the recorder answered", started, 3015, {}, "PAUSED"],
    [
      "pause twice",
      async () => {
        await started();
        await request(3015);
      },
      3015,
      {},
      "INVALID_TRANSITION",
    ],
    ["resume when not paused", started, 3016, {}, "INVALID_TRANSITION"],
    [
      "resume after pause",
      async () => {
        await started();
        await request(3015);
      },
      3016,
      {},
      "ON",
    ],
    [
      "stop the full-time side, with a reason (allowed like any recording)",
      started,
      3014,
      { reason: "test call" },
      "OFF",
    ],
    ["stop without the reason the compliance rules require", started, 3014, {}, "REASON_REQUIRED"],
    [
      "stop the customer side where nothing records",
      async () => undefined,
      3014,
      { record: "destination" },
      "NOT_RECORDING",
    ],
    ["an unknown private message id", async () => undefined, 3099, {}, "UNKNOWN_PRIVATE_MESSAGE"],
    [
      "a supervisor (not a party) records the caller side",
      async () => undefined,
      3013,
      { record: "source" },
      "ON",
      "2001",
    ],
  ];
  it.each(cases)("%s", async (_name, before, msg, extensions, outcome, thisDn) => {
    await before();
    const event = await request(msg, extensions, thisDn ?? "1001");
    expect(code(event)).toBe(outcome);
    expect(event.referenceId).toBe(7);
    if (outcome === "ON" && msg === 3013) {
      const last = layer.started.at(-1)!;
      // From 1001 (the callee) "destination" is the caller; from a non-party "source" is the caller too.
      expect(last.side).toBe("caller");
      if (extensions.id !== undefined) {
        expect(last).toMatchObject({
          recordingId: "r-1",
          dest: ["sip:other@127.0.0.1:5090"],
          params: { a: "1", b: "2" },
        });
        const row = await db.recordingSession.findUnique({ where: { id: "r-1" } });
        expect(row).toMatchObject({ trigger: "private_service", side: "source", requestedBy: "cti:1001" });
      }
    }
  });

  it("compliance: an agent may not stop a full-time recording (NOT_PERMITTED), a supervisor may; the rule can let anyone", async () => {
    await started();
    const stop = (role: "agent" | "supervisor") =>
      service.privateService({
        thisDn: "1001",
        connId: "c1",
        privateMsgId: 3014,
        extensions: { reason: "customer asked" },
        referenceId: 8,
        origin: `user:${role}`,
        role,
      });
    const refused = await stop("agent");
    expect(refused.event).toBe("EventError");
    expect(refused.error).toMatchObject({
      code: "NOT_PERMITTED",
      message: expect.stringMatching(
        /full-time recording \(full_time_dn\): only supervisors and admins may stop it/,
      ),
    });
    expect(layer.commands.filter((c) => c.startsWith("stop"))).toEqual([]);
    // Pausing stays every party's right (card numbers).
    expect(code(await request(3015))).toBe("PAUSED");
    await request(3016);

    const { setFullTimeStopRule } = await import("../config/compliance-service");
    await setFullTimeStopRule(
      db,
      { kind: "system", userId: null, username: "test", role: "admin" },
      "anyone",
    );
    expect(code(await stop("agent"))).toBe("OFF");
    await setFullTimeStopRule(
      db,
      { kind: "system", userId: null, username: "test", role: "admin" },
      "supervisors",
    );
  });

  it("compliance: a supervisor stops a full-time recording", async () => {
    await started();
    const done = await service.privateService({
      thisDn: "2001",
      connId: "c1",
      privateMsgId: 3014,
      extensions: { record: "destination", reason: "wrong number" },
      referenceId: 9,
      origin: "user:supervisor",
      role: "supervisor",
    });
    expect(code(done)).toBe("OFF");
  });

  it("compliance: a stop's reason is stored in the history; with the rule set to optional none is needed", async () => {
    await started();
    expect(code(await request(3014, { reason: "customer withdrew consent" }))).toBe("OFF");
    const transition = await db.recordingTransition.findFirst({ where: { toState: "stopped" } });
    expect(transition).toMatchObject({ reason: "customer withdrew consent", by: "cti:1001" });

    const { setCompliance } = await import("../config/compliance-service");
    const admin = { kind: "system" as const, userId: null, username: "test", role: "admin" as const };
    await setCompliance(db, admin, { stopReason: "optional" });
    await request(3013, { record: "source", id: "r-2" });
    const again = layer.started.at(-1)!;
    layer.listener.recordingEvent?.({
      connId: "c1",
      name: "started",
      dialogId: "y",
      recordingId: again.recordingId,
      recorder: again.dest[0]!,
    });
    await service.idle();
    expect(code(await request(3014, { record: "source" }))).toBe("OFF");
    expect(await db.auditEvent.count({ where: { action: "compliance.stopReason" } })).toBe(1);
  });

  it("compliance: a pause longer than the maximum resumes by itself, tells the parties and raises one alarm", async () => {
    const { setCompliance } = await import("../config/compliance-service");
    await setCompliance(
      db,
      { kind: "system", userId: null, username: "test", role: "admin" },
      { maxPauseSeconds: 1 },
    );
    await started();
    const pausedAt = Date.now();
    expect(code(await request(3015))).toBe("PAUSED");
    const resumed = await vi.waitFor(
      async () => {
        const row = await db.recordingTransition.findFirst({
          where: { toState: "recording", by: "max-pause" },
        });
        expect(row).not.toBeNull();
        return row!;
      },
      { timeout: 4_000, interval: 50 },
    );
    expect(resumed.at.getTime() - pausedAt).toBeGreaterThanOrEqual(950);
    expect(layer.commands.filter((c) => c.startsWith("resume"))).toHaveLength(1);
    await service.idle();
    const alarms = await db.alarm.findMany({ where: { kind: "pause_cut_short" } });
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.message).toMatch(/paused longer than 1 s and resumed by itself/);
    // A pause resumed in time raises nothing.
    await request(3015);
    await request(3016);
    await service.idle();
    expect(await db.alarm.count({ where: { kind: "pause_cut_short" } })).toBe(1);
  });

  it("a recorder failure ends the recording, tells the call's DNs GSIP_RECORD=OFF and raises an alarm", async () => {
    const events: TEvent[] = [];
    const seen = (async () => {
      for await (const event of bus.subscribe({ dns: ["1001"] })) {
        events.push(event);
        if (event.userData.GSIP_RECORD === "OFF") return;
      }
    })();
    await started();
    const recordingId = layer.started.at(-1)!.recordingId;
    layer.listener.recordingEvent?.({
      connId: "c1",
      name: "failed",
      dialogId: "x",
      recordingId,
      reason: "the recorder ended the session (BYE)",
    });
    await seen;
    expect(events.at(-1)?.event).toBe("EventPrivateInfo");
    await expect
      .poll(() => new AlarmService(db).open())
      .toMatchObject([
        {
          kind: "recorder_failed",
          connId: "c1",
          recordingId,
          message: "the recorder ended the session (BYE)",
          acknowledgedAt: null,
        },
      ]);
    expect((await db.recordingSession.findUnique({ where: { id: recordingId } }))?.state).toBe("failed");
  });

  it("a stop whose final report comes before the engine's MSML answer is done once, not refused", async () => {
    await started();
    const recordingId = layer.started.at(-1)!.recordingId;
    layer.whileControlling = async () => {
      layer.listener.recordingEvent?.({
        connId: "c1",
        name: "stopped",
        dialogId: "x",
        recordingId,
        reason: "stopped on request",
        sent: 100,
        acked: 100,
      });
      // Give the report every chance to be handled before the MSML answer comes.
      await new Promise((resolve) => setImmediate(resolve));
    };
    // The full-time recording of 1001, the callee: "destination" when no ThisDN says otherwise.
    await expect(
      service.control("stop", { connId: "c1", side: "destination", by: "test", reason: "test" }),
    ).resolves.toHaveLength(1);
    await service.idle();
    const row = await db.recordingSession.findUnique({
      where: { id: recordingId },
      include: { transitions: true },
    });
    expect(row?.state).toBe("stopped");
    expect(row?.transitions.filter((t) => t.toState === "stopped")).toHaveLength(1);
  });

  it("a pause and a resume are dated by the engine's reports even when they come before the MSML answer", async () => {
    await started();
    const recordingId = layer.started.at(-1)!.recordingId;
    // The engine's clock: media stopped a little after the request, restarted a little after its resume.
    const pausedAt = new Date(Date.now() + 400);
    const resumedAt = new Date(Date.now() + 2_600);
    const report = (name: "paused" | "resumed", at: Date) => async () => {
      layer.listener.recordingEvent?.({ connId: "c1", name, dialogId: "x", recordingId, at });
      await new Promise((resolve) => setImmediate(resolve));
    };
    layer.whileControlling = report("paused", pausedAt);
    await service.control("pause", { connId: "c1", side: "destination", by: "test" });
    layer.whileControlling = report("resumed", resumedAt);
    await service.control("resume", { connId: "c1", side: "destination", by: "test" });
    await service.idle();
    const pauses = await db.recordingPause.findMany({ where: { sessionId: recordingId } });
    expect(pauses.map((p) => [p.pausedAt.getTime(), p.resumedAt?.getTime()])).toEqual([
      [pausedAt.getTime(), resumedAt.getTime()],
    ]);
  });

  it("a duplicate id is refused and nothing new reaches a recorder", async () => {
    expect(code(await request(3013, { record: "destination", id: "dup" }))).toBe("ON");
    const before = layer.started.length;
    // Without a ThisDN, source names the caller side: the one "dup" records.
    await service.control("stop", { connId: "c1", side: "source", by: "test", reason: "test" });
    expect(code(await request(3013, { record: "destination", id: "dup" }))).toBe("DUPLICATE_RECORDING_ID");
    expect(layer.started.length).toBe(before);
  });
});

describe("single-step transfer", () => {
  it("the agent side's recording ends with the agent who left; the new agent's own setting applies", async () => {
    await db.dn.update({ where: { number: "1001" }, data: { record: true } });
    await db.dn.create({ data: { number: "1002", type: "extension", record: true } });
    const call = establishedCall("c1");
    await answer(call);
    call.callee = { ...call.callee!, party: { kind: "extension", dn: "1002", number: "1002" } };
    layer.listener.partyChanged?.(call, "callee");
    await service.idle();
    const rows = await db.recordingSession.findMany({
      orderBy: { startedAt: "asc" },
      include: { transitions: true },
    });
    expect(rows.map((r) => [r.trigger, r.state, r.requestedBy])).toEqual([
      ["full_time_dn", "stopped", "full_time_dn:1001"],
      ["full_time_dn", "starting", "full_time_dn:1002"],
    ]);
    expect(rows[0]!.transitions.at(-1)?.reason).toBe("party left (transfer)");
  });
});

describe("DTMF masking", () => {
  it("asks the engine for the strictest masking of the call's DNs: keys stay out if either side says so", async () => {
    await db.dn.update({ where: { number: "1001" }, data: { record: true, dtmfMasking: "off" } });
    await answer(establishedCall("m1"));
    expect(layer.started.at(-1)).toMatchObject({ connId: "m1", dtmfMasking: "events+inband" });

    await db.dn.update({ where: { number: "pstn" }, data: { dtmfMasking: "events" } });
    await answer(establishedCall("m2"));
    expect(layer.started.at(-1)).toMatchObject({ connId: "m2", dtmfMasking: "events" });

    await db.dn.update({ where: { number: "pstn" }, data: { dtmfMasking: "off" } });
    await answer(establishedCall("m3"));
    expect(layer.started.at(-1)).toMatchObject({ connId: "m3", dtmfMasking: "off" });
  });
});
