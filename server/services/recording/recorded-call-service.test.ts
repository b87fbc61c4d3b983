import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../db";
import { createDemoDb } from "../../test-support/demo-db";
import { RecordedCallService } from "./recorded-call-service";
import { refreshRecordedCall } from "./recorded-call-summary";
import { RecordingHistoryService } from "./recording-history-service";
import { RecordingState } from "./recording-session-state";
import { zRecordedCallsInput, type RecordedCallsInput } from "../../../common/schemas/recording-schemas";

let db: Db;
let cleanup: () => Promise<void>;
let history: RecordingHistoryService;
let calls: RecordedCallService;

// The demo database: users admin, supervisor and agent (who owns agent login 5001, "Alice"),
// agent logins 5001 (Alice) and 5002 (Bob).
beforeEach(async () => {
  ({ db, cleanup } = await createDemoDb());
  await db.user.create({ data: { username: "dana", passwordHash: "x", role: "supervisor" } });
  history = new RecordingHistoryService(db);
  calls = new RecordedCallService(db);
});
afterEach(() => cleanup());

const base = Math.ceil(Date.now() / 1000) * 1000 + 3_600_000;
const t = (s: number) => new Date(base + s * 1000);
const list = (input: RecordedCallsInput = {}) => calls.list(zRecordedCallsInput.parse(input));

/** open() dates a session by the wall clock: the test's calls start where the test says. */
async function startAt(connId: string, s: number) {
  await db.recordingSession.updateMany({ where: { connId }, data: { startedAt: t(s) } });
  await refreshRecordedCall(db, connId);
}

const parties = { callerNumber: "+15550100", callerDn: "pstn", calleeNumber: "1003", calleeDn: "1003" };

/**
 * Call A (ConnID "a"): the customer's side recorded full time from the trunk, the agent's side
 * (5001 on 1003) started by supervisor dana by CTI, paused by the agent, resumed, stopped with a
 * reason, then recorded again; both complete. 0 s – 60 s.
 */
async function callA() {
  await history.open({
    id: "a-trunk",
    callId: "sip-a",
    connId: "a",
    side: "source",
    trigger: "full_time_trunk",
    requestedBy: "full_time_trunk:pstn",
    params: {},
    dn: "pstn",
    parties,
  });
  await history.move("a-trunk", RecordingState.Recording, { by: "media-engine", at: t(0) });
  await history.open({
    id: "a-agent-1",
    callId: "sip-a",
    connId: "a",
    side: "destination",
    trigger: "private_service",
    requestedBy: "user:dana via cti:1003",
    params: { case: "42" },
    dn: "1003",
    agentId: "5001",
    parties,
  });
  await history.move("a-agent-1", RecordingState.Recording, {
    by: "media-engine",
    at: t(2),
    recorderUri: "sip:rec",
  });
  await history.move("a-agent-1", RecordingState.Paused, { by: "cti:1003", reason: "pause", at: t(10) });
  await history.move("a-agent-1", RecordingState.Recording, { by: "cti:1003", reason: "resume", at: t(15) });
  await history.move("a-agent-1", RecordingState.Stopped, {
    by: "user:dana via cti:1003",
    reason: "customer asked",
    at: t(20),
  });
  await history.settle("a-agent-1", { sent: 900, acked: 900 });
  await history.open({
    id: "a-agent-2",
    callId: "sip-a",
    connId: "a",
    side: "destination",
    trigger: "private_service",
    requestedBy: "user:supervisor",
    params: {},
    dn: "1003",
    agentId: "5001",
    parties,
  });
  await history.move("a-agent-2", RecordingState.Recording, { by: "media-engine", at: t(30) });
  await history.move("a-agent-2", RecordingState.Stopped, { by: "call", reason: "call ended", at: t(60) });
  await history.settle("a-agent-2", { sent: 1500, acked: 1500 });
  await history.move("a-trunk", RecordingState.Stopped, { by: "call", reason: "call ended", at: t(60) });
  await history.settle("a-trunk", { sent: 3000, acked: 3000 });
  for (const [id, s] of [
    ["a-trunk", 0],
    ["a-agent-1", 1],
    ["a-agent-2", 25],
  ] as const)
    await db.recordingSession.update({ where: { id }, data: { startedAt: t(s) } });
  await refreshRecordedCall(db, "a");
}

/** Call B ("b"): agent 5002 on 1002 recorded full time at 100 s for 5 s; the recorder acknowledged part. */
async function callB() {
  await history.open({
    id: "b-1",
    callId: "sip-b",
    connId: "b",
    side: "source",
    trigger: "full_time_agent",
    requestedBy: "full_time_agent:1002",
    params: {},
    dn: "1002",
    agentId: "5002",
    parties: { callerNumber: "1002", callerDn: "1002", calleeNumber: "+15550199", calleeDn: "pstn" },
  });
  await history.move("b-1", RecordingState.Recording, { by: "media-engine", at: t(100) });
  await history.move("b-1", RecordingState.Stopped, { by: "call", reason: "call ended", at: t(105) });
  await history.settle("b-1", { sent: 250, acked: 200 });
  await startAt("b", 100);
}

/** Call C ("c"): a start on 1001 that no recorder took, at 200 s. */
async function callC() {
  await history.open({
    id: "c-1",
    callId: "sip-c",
    connId: "c",
    side: "source",
    trigger: "full_time_dn",
    requestedBy: "full_time_dn:1001",
    params: {},
    dn: "1001",
    parties: { callerNumber: "1001", callerDn: "1001", calleeNumber: "1002", calleeDn: "1002" },
  });
  await history.move("c-1", RecordingState.Failed, {
    by: "full_time_dn:1001",
    reason: "503 from sip:rec",
    at: t(200),
  });
  await history.settle("c-1", { sent: 0, acked: 0, unreported: true });
  await startAt("c", 200);
}

describe("RecordedCallService", () => {
  it("groups every session of a call into one card: parties, agent with login and name, span, recorders, state, and who did what in words", async () => {
    await callA();
    const { calls: page, nextCursor } = await list();
    expect(nextCursor).toBeNull();
    expect(page).toHaveLength(1);
    const call = page[0]!;
    expect(call).toMatchObject({
      connId: "a",
      callId: "sip-a",
      caller: { number: "+15550100", dn: "pstn" },
      callee: { number: "1003", dn: "1003" },
      agents: [{ login: "5001", name: "Alice", username: "agent" }],
      hasPause: true,
      state: "complete",
      recorders: ["sip:rec"],
    });
    // The call spans from its first session's start to its last session's end.
    expect([call.startedAt, call.endedAt, call.durationMs]).toEqual([t(0), t(60), 60_000]);
    expect(call.sessions.map((s) => s.id)).toEqual(["a-trunk", "a-agent-1", "a-agent-2"]);
    const [trunk, first, second] = call.sessions;
    expect(trunk!.startedBy).toBe("Full-time: trunk pstn");
    expect(first!.startedBy).toBe("Supervisor start by dana (supervisor) via CTI on 1003");
    expect(second!.startedBy).toBe("Supervisor start by supervisor (supervisor)");
    expect(first!.params).toEqual({ case: "42" });
    expect(first!.events.map((e) => [e.kind, e.actor, e.reason])).toEqual([
      ["start", "Supervisor start by dana (supervisor) via CTI on 1003", ""],
      ["recording", "Media engine", ""],
      ["pause", "CTI client on 1003", ""],
      ["resume", "CTI client on 1003", ""],
      ["stop", "dana (supervisor) via CTI on 1003", "customer asked"],
    ]);
    expect(first!.pauses).toEqual([
      { pausedAt: t(10), resumedAt: t(15), pausedBy: "CTI client on 1003", resumedBy: "CTI client on 1003" },
    ]);
    expect(second!.events.at(-1)).toMatchObject({ kind: "stop", actor: "The call", reason: "call ended" });
  });

  it("a call is incomplete when a recording lost media and failed when no recording was made", async () => {
    await callA();
    await callB();
    await callC();
    const { calls: page } = await list();
    expect(page.map((c) => [c.connId, c.state])).toEqual([
      ["c", "failed"],
      ["b", "incomplete"],
      ["a", "complete"],
    ]);
    const failed = page[0]!.sessions[0]!;
    expect(failed.events.at(-1)).toMatchObject({
      kind: "fail",
      actor: "Full-time: extension 1001",
      reason: "503 from sip:rec",
    });
    expect(page[1]!.sessions[0]!.startedBy).toBe("Full-time: agent login 5002 (Bob) on 1002");
  });

  it("a live call has no end or duration until its last session ends", async () => {
    await history.open({
      id: "live-1",
      callId: "sip-l",
      connId: "l",
      side: "source",
      trigger: "route",
      requestedBy: "route",
      params: {},
      parties,
    });
    expect((await list()).calls[0]).toMatchObject({
      connId: "l",
      state: "live",
      endedAt: null,
      durationMs: null,
    });
  });

  it("finds calls by agent name, user name or login, customer number, DN, date range, duration, pause, state and params text", async () => {
    await callA();
    await callB();
    await callC();
    const found = async (input: RecordedCallsInput) => (await list(input)).calls.map((c) => c.connId);
    expect(await found({ agent: "alice" })).toEqual(["a"]);
    expect(await found({ agent: "Bob" })).toEqual(["b"]);
    expect(await found({ agent: "agent" })).toEqual(["a"]);
    expect(await found({ agent: "5002" })).toEqual(["b"]);
    expect(await found({ agent: "nobody" })).toEqual([]);
    expect(await found({ customer: "5550100" })).toEqual(["a"]);
    expect(await found({ customer: "+1555" })).toEqual(["b", "a"]);
    expect(await found({ dn: "1003" })).toEqual(["a"]);
    expect(await found({ dn: "100" })).toEqual([]);
    expect(await found({ from: t(50), to: t(150) })).toEqual(["b"]);
    expect(await found({ minDurationSeconds: 10 })).toEqual(["a"]);
    expect(await found({ maxDurationSeconds: 10 })).toEqual(["c", "b"]);
    expect(await found({ hasPause: true })).toEqual(["a"]);
    expect(await found({ hasPause: false })).toEqual(["c", "b"]);
    expect(await found({ state: "incomplete" })).toEqual(["b"]);
    expect(await found({ state: "failed", dn: "1001" })).toEqual(["c"]);
    expect(await found({ text: "case" })).toEqual(["a"]);
    expect(await found({ agent: "alice", state: "failed" })).toEqual([]);
  });

  it("pages newest first by cursor, every call once, also when calls start at the same time", async () => {
    for (const connId of ["p1", "p2", "p3", "p4", "p5"]) {
      await history.open({
        id: `${connId}-rec`,
        callId: connId,
        connId,
        side: "source",
        trigger: "route",
        requestedBy: "route",
        params: {},
      });
    }
    // Two pairs start at the same millisecond: the ConnID orders them.
    const starts: Record<string, number> = { p1: 1, p2: 2, p3: 2, p4: 3, p5: 3 };
    for (const [connId, s] of Object.entries(starts)) await startAt(connId, s);
    const seen: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await list({ limit: 2, ...(cursor === undefined ? {} : { cursor }) });
      seen.push(page.calls.map((c) => c.connId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(seen).toEqual([["p5", "p4"], ["p3", "p2"], ["p1"]]);
    await expect(list({ cursor: "not-a-cursor" })).rejects.toThrow(/cursor/);
  });

  it("keeps one summary per call when both sides of a call start at once", async () => {
    await Promise.all(
      (["source", "destination"] as const).map((side) =>
        history.open({
          id: `both-${side}`,
          callId: "sip-both",
          connId: "both",
          side,
          trigger: "route",
          requestedBy: "route",
          params: {},
          parties,
        }),
      ),
    );
    expect(await db.recordedCall.findUniqueOrThrow({ where: { connId: "both" } })).toMatchObject({
      sessionCount: 2,
      state: "live",
      callerNumber: "+15550100",
    });
  });
});
