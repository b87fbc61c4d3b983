import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type ActivityEvent,
  activityOf,
  describeRecordingActor,
  formatPhoneNumber,
  nextActivity,
  EMPTY_ACTIVITY,
} from "../../common/cti-activity";
import { AgentStateService } from "../services/agents/agent-state-service";
import { withRequesterRole } from "../services/agents/requester-roles";
import type { Db } from "../services/db";
import type { Call, CallParty } from "../sip/calls/call";
import { CallEvents } from "../sip/calls/call-events";
import { createDemoDb } from "../test-support/demo-db";
import { noCallControl, noRecordingControl } from "../test-support/no-calls";
import { CtiEventBus } from "./cti-event-bus";
import { CtiService } from "./cti-service";
import { recordingInfoEvent } from "./gsip-record";
import type { TEvent } from "./t-library-events";

/**
 * The activity list is fed the events the server's own producers make (the B2BUA's CallEvents,
 * the recording policy's EventPrivateInfo, the agent state service), so a change of their shape
 * shows here, not in front of an agent.
 */
let db: Db;
let cleanup: () => Promise<void>;
let bus: CtiEventBus;
let cti: CtiService;
let seen: TEvent[];

beforeEach(async () => {
  ({ db, cleanup } = await createDemoDb());
  bus = new CtiEventBus();
  cti = new CtiService(bus, new AgentStateService(db, bus), noCallControl, noRecordingControl);
  seen = [];
  bus.onPublish((e) => {
    if (e.thisDn === "1003") seen.push(e);
  });
});
afterEach(() => cleanup());

const AMY = { me: "amy" };
const customer: CallParty = { kind: "trunk", dn: "pstn", number: "+33123456789" };
const agentPhone: CallParty = { kind: "extension", dn: "1003", number: "1003" };
const call = { connId: "00c0ffee" } as Call;

/** The recording policy's announcement of one change, as RecordingAnnouncer publishes it. */
function recording(
  action: "start" | "pause" | "resume" | "stop",
  state: string,
  by: string,
  byRole?: string,
) {
  const event = recordingInfoEvent(
    "1003",
    call.connId,
    action,
    { id: "rec-1", state, side: "destination", trigger: "private_service" },
    null,
    by,
  );
  // The agent's event stream adds the requester's role (cti.events, requester-roles.ts).
  bus.publish(byRole === undefined ? event : { ...event, userData: { ...event.userData, ByRole: byRole } });
}

describe("the agent's activity list from the server's events", () => {
  it("an inbound call from a customer, recorded, paused by a supervisor, answered and ended", async () => {
    const events = new CallEvents(bus, () => "5002");
    await cti.request({ request: "TAgentLogin", thisDn: "1003", agentId: "5002" });
    await cti.request({ request: "TAgentSetReady", thisDn: "1003" });
    events.publish("EventRinging", agentPhone, customer, call);
    events.publish("EventEstablished", agentPhone, customer, call);
    recording("start", "recording", "full_time_dn:1003");
    recording("pause", "paused", "user:dana", "supervisor");
    recording("resume", "recording", "user:amy via cti:1003");
    events.publish("EventReleased", agentPhone, customer, call);
    await cti.request({ request: "TAgentSetNotReady", thisDn: "1003", reasonCode: "ACW" });
    // An EventACK answers a request: nothing for the agent to read.
    bus.publish({
      event: "EventACK",
      thisDn: "1003",
      otherDn: null,
      connId: null,
      agentId: null,
      referenceId: 1,
      userData: {},
    });

    const activity = activityOf(seen, AMY);
    expect(activity.entries.map((e) => e.text)).toEqual([
      "Not Ready (ACW)",
      expect.stringMatching(/^Call from \+33 1 23 45 67 89 ended \(0:0\d\)$/),
      "Recording resumed (your side) by you",
      "Recording paused (your side) by supervisor dana",
      "Recording started (your side) by the full-time rule of extension 1003",
      "Call from +33 1 23 45 67 89 answered",
      "Incoming call from +33 1 23 45 67 89",
      "Ready",
      "Logged in as agent 5002 (Bob)",
    ]);
    expect(activity.entries.map((e) => e.key)).toEqual(
      seen
        .filter((e) => e.event !== "EventACK")
        .map((e) => e.id)
        .reverse(),
    );
    // The call is forgotten once released.
    expect(activity.calls).toEqual({});
  });

  it("an outgoing call nobody answers, a missed call, and a refused request", async () => {
    const events = new CallEvents(bus, () => null);
    const out = { connId: "0a" } as Call;
    const missed = { connId: "0b" } as Call;
    const colleague: CallParty = { kind: "extension", dn: "1001", number: "1001" };
    events.publish("EventDialing", agentPhone, colleague, out);
    events.publish("EventReleased", agentPhone, colleague, out);
    events.publish("EventRinging", agentPhone, colleague, missed);
    events.publish("EventReleased", agentPhone, colleague, missed);
    await cti.request({ request: "TAgentSetReady", thisDn: "1003" });
    expect(activityOf(seen, AMY).entries.map((e) => [e.text, e.tone])).toEqual([
      ["Refused: No agent is logged in on 1003: log in (TAgentLogin) before going Ready.", "error"],
      ["Missed call from 1001", "warn"],
      ["Incoming call from 1001", "info"],
      ["Call to 1001 not answered", "warn"],
      ["Calling 1001", "info"],
    ]);
  });
});

describe("the activity list's rules", () => {
  const event = (seq: number, over: Partial<ActivityEvent> = {}): ActivityEvent => ({
    event: "EventAgentReady",
    id: `event-${seq}`,
    seq,
    time: new Date(1_000 * seq),
    thisDn: "1003",
    otherDn: null,
    connId: null,
    agentId: "5002",
    userData: {},
    ...over,
  });

  it("keeps the newest entries only, newest first", () => {
    let state = EMPTY_ACTIVITY;
    for (let seq = 1; seq <= 60; seq++) state = nextActivity(state, event(seq), { me: "amy" });
    expect(state.entries).toHaveLength(50);
    expect(state.entries[0]!.key).toBe("event-60");
    expect(state.entries.at(-1)!.key).toBe("event-11");
    expect(nextActivity(state, event(61), { me: "amy", limit: 3 }).entries.map((e) => e.key)).toEqual([
      "event-61",
      "event-60",
      "event-59",
    ]);
  });

  it("names numbers and people as a person reads them", () => {
    expect(formatPhoneNumber("+33123456789")).toBe("+33 1 23 45 67 89");
    expect(formatPhoneNumber("+14155550100")).toBe("+1 415 555 0100");
    expect(formatPhoneNumber("1002")).toBe("1002");
    const ctx = { me: "amy" };
    expect(describeRecordingActor("user:dana", "supervisor", ctx)).toBe("supervisor dana");
    expect(describeRecordingActor("user:ci (API token)", undefined, ctx)).toBe("ci");
    expect(describeRecordingActor("user:amy via cti:1003", "agent", ctx)).toBe("you");
    expect(describeRecordingActor("full_time_agent:1003", undefined, ctx)).toBe(
      "the full-time rule of your agent login (on 1003)",
    );
    // As the standing policy announces a full-time start (the trigger alone).
    expect(describeRecordingActor("full_time_dn", undefined, ctx)).toBe("the extension's full-time rule");
    expect(describeRecordingActor("full_time_trunk", undefined, ctx)).toBe("the trunk's full-time rule");
    expect(describeRecordingActor("max-pause", undefined, ctx)).toBe("the pause limit");
    expect(describeRecordingActor("cti:1001", undefined, ctx)).toBe("a CTI client on 1001");
  });

  it("an event of a call it did not see begin still reads well", () => {
    const state = nextActivity(
      EMPTY_ACTIVITY,
      event(1, { event: "EventEstablished", connId: "0c", otherDn: "1002" }),
      { me: "amy" },
    );
    expect(state.entries[0]!.text).toBe("Call from 1002 answered");
  });
});

describe("the role of who asked, added to the agent's event stream", () => {
  it("names the requester's role on recording changes a user asked for, and nothing else", async () => {
    const withRole = withRequesterRole(db);
    recording("pause", "paused", "user:supervisor");
    recording("resume", "recording", "user:admin via cti:1003");
    recording("stop", "stopped", "user:nobody-known");
    recording("start", "recording", "full_time_dn:1003");
    const enriched = await Promise.all(seen.map(withRole));
    expect(enriched.map((e) => e.userData.ByRole)).toEqual(["supervisor", "admin", undefined, undefined]);
    expect(activityOf(enriched, AMY).entries.map((e) => e.text)).toEqual([
      "Recording started by the full-time rule of extension 1003",
      "Recording stopped by nobody-known",
      "Recording resumed by admin admin",
      "Recording paused by supervisor supervisor",
    ]);
  });
});
