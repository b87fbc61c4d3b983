import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDemoDb } from "../../test-support/demo-db";
import type { CallRow } from "../calls/call-control-service";
import type { Db } from "../db";
import { refreshRecordedCall } from "../recording/recorded-call-summary";
import { DashboardService } from "./dashboard-service";

// Runs on SQLite and, in the postgresql project, on PostgreSQL: real rows, real indexes.
let db: Db;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ db, cleanup } = await createDemoDb());
});
afterEach(() => cleanup());

const LAB = "sip:127.0.0.1:5080";
const ENGINE_A = "sip:127.0.0.1:5070";
const ENGINE_B = "sip:127.0.0.1:5170";
// Noon UTC; the supervisor's browser is on UTC+2 (getTimezoneOffset() = -120): their day began 22:00 UTC.
const NOW = new Date("2026-03-10T12:00:00.000Z");
const TZ = -120;
const MIDNIGHT = new Date("2026-03-09T22:00:00.000Z");
const at = (minutesFromMidnight: number) => new Date(MIDNIGHT.getTime() + minutesFromMidnight * 60_000);

type SessionSeed = {
  id: string;
  connId: string;
  side?: "source" | "destination";
  trigger: string;
  state: string;
  start: Date;
  end?: Date;
  dn?: string;
  agentId?: string;
  segments?: number;
  outcome?: string;
  outcomeReason?: string;
  recorderUri?: string;
};

async function session(s: SessionSeed, parties = { callerNumber: "+15550100", calleeNumber: "1003" }) {
  await db.recordingSession.create({
    data: {
      id: s.id,
      callId: `sip-${s.connId}`,
      connId: s.connId,
      side: s.side ?? "destination",
      trigger: s.trigger,
      state: s.state,
      startedAt: s.start,
      endedAt: s.end ?? null,
      dn: s.dn ?? "1003",
      agentId: s.agentId ?? "",
      segments: s.segments ?? 1,
      outcome: s.outcome ?? (s.end ? "complete" : ""),
      outcomeReason: s.outcomeReason ?? "",
      recorderUri: s.recorderUri ?? LAB,
      ...(s.state === "failed"
        ? {
            transitions: {
              create: {
                fromState: "starting",
                toState: "failed",
                at: s.end ?? s.start,
                by: "media-engine",
                reason: "recorder answered 403 Forbidden",
              },
            },
          }
        : {}),
    },
  });
  await refreshRecordedCall(db, s.connId, { ...parties, callerDn: "pstn", calleeDn: "1003" });
}

function liveCall(connId: string, recordings: CallRow["recordings"], startedAt = at(700)): CallRow {
  return {
    connId,
    state: "established",
    caller: { number: "1002", dn: "1002", kind: "extension", name: "", agent: null },
    callee: { number: "1003", dn: "1003", kind: "extension", name: "", agent: { id: "5002", name: "Bob" } },
    dialed: "1003",
    startedAt,
    establishedAt: startedAt,
    recordings,
  };
}

const service = (engineStatus: () => { uri: string; healthy: boolean }[] | null = () => null) =>
  new DashboardService({ db, engineUris: [ENGINE_A, ENGINE_B], engineStatus });

describe("DashboardService", () => {
  it("counts today's calls recorded as policy requires, with the ones that are not, across midnight", async () => {
    // Recorded full time on the trunk, stopped: meets policy.
    await session({
      id: "c1",
      connId: "c1",
      side: "source",
      trigger: "full_time_trunk",
      state: "stopped",
      start: at(60),
      end: at(65),
      dn: "pstn",
    });
    // Full time on agent login 5001: the recorder refused, the recording failed.
    await session({
      id: "c2",
      connId: "c2",
      trigger: "full_time_agent",
      state: "failed",
      start: at(120),
      end: at(120),
      agentId: "5001",
      outcome: "incomplete",
      outcomeReason: "no recorder took the recording",
    });
    // A parallel copy failed but the primary recorded: meets policy.
    await session({
      id: "c5",
      connId: "c5",
      trigger: "full_time_dn",
      state: "stopped",
      start: at(130),
      end: at(135),
    });
    await session({
      id: "c5.copy2",
      connId: "c5",
      trigger: "full_time_dn",
      state: "failed",
      start: at(130),
      end: at(130),
    });
    // Only a supervisor's private-service recording: policy required nothing.
    await session({
      id: "c4",
      connId: "c4",
      side: "source",
      trigger: "private_service",
      state: "failed",
      start: at(140),
      end: at(140),
    });
    // Started yesterday at 23:50 (local), ended today at 00:10, recorded: today's call.
    await session({
      id: "y1",
      connId: "y1",
      trigger: "full_time_dn",
      state: "stopped",
      start: at(-10),
      end: at(10),
    });
    // Started and failed yesterday: not today's.
    await session({
      id: "y0",
      connId: "y0",
      trigger: "full_time_dn",
      state: "failed",
      start: at(-300),
      end: at(-290),
    });
    // Still live since yesterday, recording: today's, meets policy so far.
    await session({ id: "y2", connId: "y2", trigger: "full_time_dn", state: "recording", start: at(-30) });
    // Started a moment ago, the recorder has not answered yet: not counted until it settles.
    await session({ id: "s1", connId: "s1", trigger: "full_time_dn", state: "starting", start: at(719) });
    // No recording could be opened at all: only the compliance watchdog's alarm says so.
    await db.alarm.create({
      data: {
        kind: "recording_missing",
        subject: "1001",
        connId: "c3",
        raisedAt: at(700),
        lastRaisedAt: at(700),
        message:
          "Call c3: the callee (destination) side (1001) must be recorded (record=true on extension 1001) but is not recorded 3 s after the answer.",
      },
    });
    // The recorder answered late (the watchdog's alarm), but the side has recorded since: recorded.
    await session({
      id: "c6",
      connId: "c6",
      trigger: "full_time_dn",
      state: "recording",
      start: at(705),
    });
    await db.alarm.create({
      data: {
        kind: "recording_missing",
        subject: "1003",
        connId: "c6",
        raisedAt: at(705),
        lastRaisedAt: at(705),
        message:
          "Call c6: the callee (destination) side (1003) must be recorded (record=true on extension 1003) but is starting 3 s after the answer.",
      },
    });
    // Yesterday's watchdog alarm is not today's.
    await db.alarm.create({
      data: {
        kind: "recording_missing",
        subject: "1001",
        connId: "old",
        raisedAt: at(-60),
        lastRaisedAt: at(-60),
        acknowledgedAt: at(-50),
        message: "old",
      },
    });

    const snap = await service().snapshot([liveCall("c3", [], at(700))], { tzOffsetMinutes: TZ, now: NOW });

    expect(snap.dayStart).toEqual(MIDNIGHT);
    expect(snap.compliance).toMatchObject({
      required: 7,
      recorded: 5,
      percent: 71.4,
      starting: 1,
      unrecordedTotal: 2,
    });
    expect(snap.compliance.unrecorded).toEqual([
      {
        connId: "c3",
        startedAt: at(700),
        parties: "1002 → 1003",
        dn: "",
        agentId: "",
        reason: expect.stringContaining("must be recorded (record=true on extension 1001)"),
        inCallView: false,
      },
      {
        connId: "c2",
        startedAt: at(120),
        parties: "+15550100 → 1003",
        dn: "1003",
        agentId: "5001",
        reason: "The full-time recording of the destination side failed: no recorder took the recording.",
        inCallView: true,
      },
    ]);
    // Failed today: c2, c5's copy and c4 (not yesterday's y0), each with the engine's reason.
    expect(snap.problems.failed).toBe(3);
    expect(snap.problems.recordings.map((r) => r.id).sort()).toEqual(["c2", "c4", "c5.copy2"]);
    expect(snap.problems.recordings.find((r) => r.id === "c2")!.reason).toBe(
      "recorder answered 403 Forbidden (no recorder took the recording)",
    );
  });

  it("shows paused sides since when the pause began, live counts and interrupted recordings", async () => {
    await session({ id: "p1", connId: "p1", trigger: "full_time_dn", state: "paused", start: at(690) });
    await db.recordingPause.create({
      data: { sessionId: "p1", pausedAt: at(695), resumedAt: at(696), pausedBy: "cti:1003" },
    });
    await db.recordingPause.create({
      data: { sessionId: "p1", pausedAt: at(710), pausedBy: "user:dana via cti:1003" },
    });
    // Lost its recorder and continued on the next one (two SIPREC segments), still recording.
    await session({
      id: "i1",
      connId: "i1",
      side: "source",
      trigger: "full_time_trunk",
      state: "recording",
      start: at(600),
      segments: 2,
    });
    // Interrupted now, failing over.
    await session({
      id: "i2",
      connId: "i2",
      side: "source",
      trigger: "private_service",
      state: "interrupted",
      start: at(610),
    });
    // Ended with a gap.
    await session({
      id: "i3",
      connId: "i3",
      trigger: "route",
      state: "stopped",
      start: at(500),
      end: at(510),
      outcome: "incomplete",
      outcomeReason: "2.1 s lost in 1 gap",
    });

    const live = [
      liveCall("p1", [
        {
          id: "p1",
          side: "destination",
          trigger: "full_time_dn",
          startedBy: "full_time_dn:1003",
          state: "paused",
          paused: true,
          recorder: LAB,
        },
      ]),
      liveCall("i1", [
        {
          id: "i1",
          side: "source",
          trigger: "full_time_trunk",
          startedBy: "full_time_trunk:pstn",
          state: "recording",
          paused: false,
          recorder: LAB,
        },
      ]),
      liveCall("i2", [
        {
          id: "i2",
          side: "source",
          trigger: "private_service",
          startedBy: "user:supervisor",
          state: "interrupted",
          paused: true,
          recorder: LAB,
        },
      ]),
    ];
    const snap = await service().snapshot(live, { tzOffsetMinutes: TZ, now: NOW });

    expect(snap.live).toEqual({ calls: 3, established: 3, recordingSides: 1, pausedSides: 2 });
    expect(snap.paused).toEqual([
      {
        recordingId: "p1",
        connId: "p1",
        side: "destination",
        parties: "1002 → 1003",
        dn: "1003",
        agent: { id: "5002", name: "Bob" },
        pausedAt: at(710),
        pausedBy: "user:dana via cti:1003",
      },
      // Paused while interrupted: the pause asked for is kept, its start not written yet.
      expect.objectContaining({ recordingId: "i2", side: "source", pausedAt: null }),
    ]);
    expect(snap.problems.interrupted).toBe(3);
    expect(snap.problems.failed).toBe(0);
    expect(snap.problems.recordings.map((r) => [r.id, r.problem])).toEqual([
      ["i2", "interrupted"],
      ["i1", "interrupted"],
      ["i3", "interrupted"],
    ]);
  });

  it("rates recorders and media engines from their alarms and the pool", async () => {
    await db.recorder.create({ data: { name: "backup", uri: "sip:10.0.0.9:5080", position: 2 } });
    await db.recorder.create({
      data: { name: "old", uri: "sip:10.0.0.8:5080", position: 3, enabled: false },
    });
    // The lab recorder refused a recording 20 s ago and carries nothing now: down.
    await db.alarm.create({
      data: {
        kind: "recorder_failed",
        subject: LAB,
        connId: "f1",
        raisedAt: at(600),
        lastRaisedAt: new Date(NOW.getTime() - 20_000),
        message: "Recorder sip:127.0.0.1:5080 was skipped: 503",
      },
    });
    // The backup recorder failed an hour ago, unacknowledged: degraded.
    await db.alarm.create({
      data: {
        kind: "recorder_failed",
        subject: "sip:10.0.0.9:5080",
        connId: "f2",
        raisedAt: at(650),
        lastRaisedAt: at(660),
        message: "lost",
      },
    });
    // Engine A had an incident, acknowledged; engine B has an open one from 5 minutes ago.
    await db.alarm.create({
      data: {
        kind: "media_engine_lost",
        subject: ENGINE_A,
        raisedAt: at(100),
        lastRaisedAt: at(100),
        acknowledgedAt: at(101),
        message: "A restarted",
      },
    });
    await db.alarm.create({
      data: {
        kind: "media_engine_lost",
        subject: ENGINE_B,
        raisedAt: at(715),
        lastRaisedAt: at(715),
        message: "B not answering",
      },
    });

    // An HA backup (no pool): the alarms alone.
    const backup = await service().snapshot([], { tzOffsetMinutes: TZ, now: NOW });
    expect(backup.health.recorders.map((r) => [r.name, r.status])).toEqual([
      ["lab", "down"],
      ["backup", "degraded"],
      ["old", "disabled"],
    ]);
    expect(backup.health.engines.map((e) => [e.uri, e.status])).toEqual([
      [ENGINE_A, "up"],
      [ENGINE_B, "degraded"],
    ]);

    // The active instance: its pool says engine A does not answer and B is back.
    const active = await service(() => [
      { uri: ENGINE_A, healthy: false },
      { uri: ENGINE_B, healthy: true },
    ]).snapshot(
      [
        liveCall("x", [
          {
            id: "x",
            side: "source",
            trigger: "route",
            startedBy: "route",
            state: "recording",
            paused: false,
            recorder: LAB,
          },
        ]),
      ],
      {
        tzOffsetMinutes: TZ,
        now: NOW,
      },
    );
    expect(active.health.engines.map((e) => [e.uri, e.status, e.detail])).toEqual([
      [ENGINE_A, "down", "not answering its keep-alives"],
      [ENGINE_B, "degraded", "unacknowledged incident: B not answering"],
    ]);
    // The lab recorder failed recently but carries a recording now: degraded, not down.
    expect(active.health.recorders[0]).toMatchObject({ status: "degraded" });

    // A minute later on the backup, with engine B's alarm raised again just now: down.
    await db.alarm.updateMany({
      where: { subject: ENGINE_B },
      data: { lastRaisedAt: new Date(NOW.getTime() - 5_000) },
    });
    const again = await service().snapshot([], { tzOffsetMinutes: TZ, now: NOW });
    expect(again.health.engines[1]).toMatchObject({ status: "down", detail: "B not answering" });
  });

  it("counts recorded calls per hour of the last 24 h, failed ones apart", async () => {
    const hour = (h: number, m: number) => new Date(Date.UTC(2026, 2, 10, h, m));
    await session({
      id: "h1",
      connId: "h1",
      trigger: "route",
      state: "stopped",
      start: hour(11, 5),
      end: hour(11, 6),
    });
    await session({
      id: "h2",
      connId: "h2",
      trigger: "route",
      state: "stopped",
      start: hour(11, 59),
      end: hour(12, 0),
    });
    await session({
      id: "h3",
      connId: "h3",
      trigger: "route",
      state: "failed",
      start: hour(11, 30),
      end: hour(11, 30),
    });
    await session({ id: "h4", connId: "h4", trigger: "route", state: "recording", start: hour(12, 0) });
    // 24 h and more ago: outside the chart.
    await session({
      id: "h5",
      connId: "h5",
      trigger: "route",
      state: "stopped",
      start: new Date(hour(13, 0).getTime() - 24 * 3_600_000 - 1),
      end: hour(0, 1),
    });
    await session({
      id: "h6",
      connId: "h6",
      trigger: "route",
      state: "stopped",
      start: new Date(hour(13, 0).getTime() - 24 * 3_600_000),
      end: hour(0, 1),
    });

    const now = new Date(Date.UTC(2026, 2, 10, 12, 30));
    const snap = await service().snapshot([], { tzOffsetMinutes: 0, now });
    expect(snap.hours).toHaveLength(24);
    expect(snap.hours[0]!.from).toEqual(new Date(Date.UTC(2026, 2, 9, 13)));
    expect(snap.hours.at(-1)).toEqual({ from: hour(12, 0), recorded: 1, failed: 0 });
    expect(snap.hours.at(-2)).toEqual({ from: hour(11, 0), recorded: 2, failed: 1 });
    expect(snap.hours[0]).toEqual({ from: new Date(Date.UTC(2026, 2, 9, 13)), recorded: 1, failed: 0 });
    expect(snap.hours.reduce((n, h) => n + h.recorded + h.failed, 0)).toBe(5);

    // A half-hour zone (UTC+5:30): hours start on the half hour of UTC.
    const india = await service().snapshot([], { tzOffsetMinutes: -330, now });
    expect(india.hours.at(-1)!.from).toEqual(hour(12, 30));
    expect(india.hours.at(-1)).toEqual({ from: hour(12, 30), recorded: 0, failed: 0 });
    expect(india.hours.at(-2)).toEqual({ from: hour(11, 30), recorded: 2, failed: 1 });
  });
});
