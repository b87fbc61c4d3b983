import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { activityOf } from "../../../common/cti-activity";
import { CtiEventBus } from "../../cti/cti-event-bus";
import { recordingInfoEvent } from "../../cti/gsip-record";
import type { TEvent } from "../../cti/t-library-events";
import type { Call, CallParty } from "../../sip/calls/call";
import { CallEvents } from "../../sip/calls/call-events";
import { createDemoDb } from "../../test-support/demo-db";
import { AgentStateService } from "../agents/agent-state-service";
import type { Db } from "../db";
import { DnActivityRecorder, dnActivityFor, dnActivityOf } from "./dn-activity-service";

let db: Db;
let cleanup: () => Promise<void>;
let bus: CtiEventBus;
let failures: unknown[];

beforeEach(async () => {
  ({ db, cleanup } = await createDemoDb());
  bus = new CtiEventBus();
  failures = [];
});
afterEach(() => cleanup());

const customer: CallParty = { kind: "trunk", dn: "pstn", number: "+33123456789" };
const agentPhone: CallParty = { kind: "extension", dn: "1003", number: "1003" };
const colleague: CallParty = { kind: "extension", dn: "1001", number: "1001" };

function recorder(limits: ConstructorParameters<typeof DnActivityRecorder>[2] = {}) {
  const activity = new DnActivityRecorder(db, (error) => failures.push(error), limits);
  bus.onLocalPublish((event) => activity.record(event));
  return activity;
}

const ready = (thisDn: string, time: Date): TEvent => ({
  event: "EventAgentReady",
  id: `ready-${thisDn}-${time.getTime()}`,
  seq: 1,
  time,
  thisDn,
  otherDn: null,
  connId: null,
  agentId: null,
  referenceId: null,
  userData: {},
});

describe("the DN activity kept in the database", () => {
  it("keeps the readable events of each DN in order, with the requester's role, and gives the same list back", async () => {
    const activity = recorder();
    const agents = new AgentStateService(db, bus);
    const events = new CallEvents(bus, () => null);
    const seen: TEvent[] = [];
    bus.onPublish((e) => {
      if (e.thisDn === "1003") seen.push(e);
    });
    await agents.login({ thisDn: "1003", agentId: "5002", referenceId: null });
    const call = { connId: "00c0ffee" } as Call;
    events.publish("EventRinging", agentPhone, customer, call);
    events.publish("EventEstablished", agentPhone, customer, call);
    bus.publish(
      recordingInfoEvent(
        "1003",
        call.connId,
        "pause",
        { id: "rec-1", state: "paused", side: "destination", trigger: "private_service" },
        null,
        "user:supervisor",
      ),
    );
    bus.publish({ ...ready("7000", new Date()), event: "EventRouteRequest", connId: call.connId });
    events.publish("EventRinging", colleague, agentPhone, { connId: "0b" } as Call);
    events.publish("EventReleased", agentPhone, customer, call);
    await activity.flush();

    const kept = await dnActivityOf(db, "1003");
    expect(kept.map((e) => e.event)).toEqual([
      "EventAgentLogin",
      "EventRinging",
      "EventEstablished",
      "EventPrivateInfo",
      "EventReleased",
    ]);
    expect(kept.map((e) => e.id)).toEqual(seen.map((e) => e.id));
    expect(kept[3]!.userData).toMatchObject({ reason: "user:supervisor", ByRole: "supervisor" });
    // What a reloaded softphone shows is what it showed live (ByRole added as cti.events adds it).
    expect(activityOf(kept, { me: "agent" }).entries.map((e) => e.text)).toEqual([
      expect.stringMatching(/^Call from \+33 1 23 45 67 89 ended \(0:0\d\)$/),
      "Recording paused (your side) by supervisor supervisor",
      "Call from +33 1 23 45 67 89 answered",
      "Incoming call from +33 1 23 45 67 89",
      "Logged in as agent 5002 (Bob)",
    ]);
    // Routing points' events are not kept (nobody reads them); other DNs keep their own.
    expect(await db.dnActivity.count({ where: { dn: "7000" } })).toBe(0);
    expect((await dnActivityOf(db, "1001")).map((e) => e.event)).toEqual(["EventRinging"]);
    expect(failures).toEqual([]);
  });

  it("prunes each DN to its newest entries on write", async () => {
    const activity = recorder({ keep: 5, pruneEvery: 1 });
    for (let i = 0; i < 8; i++)
      bus.publish({ ...ready("1003", new Date()), agentId: `a${i}`, userData: { ReasonCode: `r${i}` } });
    bus.publish({ ...ready("1001", new Date()), event: "EventAgentNotReady" });
    await activity.flush();
    expect(await db.dnActivity.count({ where: { dn: "1003" } })).toBe(5);
    expect((await dnActivityOf(db, "1003")).map((e) => e.agentId)).toEqual(["a3", "a4", "a5", "a6", "a7"]);
    expect(await db.dnActivity.count({ where: { dn: "1001" } })).toBe(1);

    expect(failures).toEqual([]);
  });

  it("lets a DN run a few entries over between prunes, never shown", async () => {
    const limits = { keep: 2, maxAgeMs: 86_400_000, now: Date.now };
    const activity = new DnActivityRecorder(db, (error) => failures.push(error), {
      ...limits,
      pruneEvery: 4,
    });
    for (let i = 0; i < 3; i++) activity.record({ ...ready("1002", new Date()), id: `e${i}` });
    await activity.flush();
    expect(await db.dnActivity.count()).toBe(3);
    expect((await dnActivityOf(db, "1002", limits)).map((e) => e.id)).toEqual(["e1", "e2"]);
    activity.record({ ...ready("1002", new Date()), id: "e3" });
    await activity.flush();
    expect((await db.dnActivity.findMany({ orderBy: { id: "asc" } })).map((r) => r.eventId)).toEqual([
      "e2",
      "e3",
    ]);
    expect(failures).toEqual([]);
  });

  it("prunes entries older than the retention, and never lists them", async () => {
    let now = Date.parse("2026-12-03T12:00:00Z");
    const hour = 3_600_000;
    const activity = new DnActivityRecorder(db, (error) => failures.push(error), { now: () => now });
    activity.record(ready("1003", new Date(now - 30 * hour)));
    activity.record(ready("1003", new Date(now - 2 * hour)));
    await activity.flush();
    // The first write pruned by age: the 30-hour-old event is gone.
    expect(await db.dnActivity.count()).toBe(1);
    now += 23 * hour;
    const limits = { keep: 200, maxAgeMs: 24 * hour, now: () => now };
    expect(await dnActivityOf(db, "1003", limits)).toHaveLength(0);
    activity.record(ready("1001", new Date(now)));
    await activity.flush();
    expect((await db.dnActivity.findMany()).map((r) => r.dn)).toEqual(["1001"]);
    expect(failures).toEqual([]);
  });

  it("counts a failed write and goes on with the next events", async () => {
    const activity = recorder();
    const event = ready("1003", new Date());
    activity.record(event);
    await activity.flush();
    activity.record(event); // the same id again: the unique eventId refuses the batch
    await activity.flush();
    expect(failures).toHaveLength(1);
    activity.record(ready("1003", new Date(Date.now() + 1)));
    await activity.flush();
    expect(await db.dnActivity.count()).toBe(2);
  });

  it("lets an agent read only their own extension's activity", async () => {
    const agent = await db.user.findUniqueOrThrow({ where: { username: "agent" } });
    const actor = { kind: "user" as const, userId: agent.id, username: "agent", role: "agent" as const };
    await expect(dnActivityFor(db, actor, "1001")).resolves.toEqual([]);
    await expect(dnActivityFor(db, actor, "1003")).rejects.toThrow(/only your own extension/);
  });
});
