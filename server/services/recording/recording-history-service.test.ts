import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../db";
import { createDb } from "../db";
import { createTestDb } from "../../test-support/test-db";
import { RecordingHistoryService } from "./recording-history-service";
import { RecordingState } from "./recording-session-state";

let db: Db;
let url: string;
let cleanup: () => Promise<void>;
let history: RecordingHistoryService;

beforeEach(async () => {
  ({ db, url, cleanup } = await createTestDb());
  history = new RecordingHistoryService(db);
});
afterEach(() => cleanup());

const open = (id = "rec-1") =>
  history.open({
    id,
    callId: "call-1",
    connId: "007",
    side: "source",
    trigger: "private_service",
    requestedBy: "supervisor",
    params: { case: "42" },
  });

// Times after the test starts: open() dates the first transition with the wall clock, and the
// history orders transitions by time (a fixed date made the test fail once the clock passed it).
const base = Math.ceil(Date.now() / 1000) * 1000 + 3_600_000;
const t = (s: number) => new Date(base + s * 1000);

describe("RecordingHistoryService", () => {
  it("an interrupted recording keeps its gap, its skipped recorders and its pause, and ends incomplete with the lost seconds", async () => {
    await open();
    await history.move("rec-1", RecordingState.Recording, { by: "media-engine", at: t(1), segments: 1 });
    await history.move("rec-1", RecordingState.Paused, { by: "sam", at: t(5) });
    // The recorder dies during the pause: the pause goes on, a gap opens.
    await history.interrupted("rec-1", {
      at: t(6),
      recorderUri: "sip:a",
      reason: "recorder sip:a lost: no RTCP",
    });
    await history.note("rec-1", { by: "media-engine", reason: "recorder sip:b skipped: 503", at: t(7) });
    // The continuation starts paused; the agent resumes later.
    await history.continued("rec-1", { at: t(10), to: RecordingState.Paused, recorderUri: "sip:c" });
    await history.move("rec-1", RecordingState.Recording, { by: "sam", at: t(12) });
    await history.move("rec-1", RecordingState.Stopped, { by: "sam", at: t(20) });
    await history.settle("rec-1", { sent: 1500, acked: 1500 });

    const view = await history.get("rec-1");
    expect(view.gaps).toEqual([
      { startedAt: t(6), endedAt: t(10), recorderUri: "sip:a", reason: "recorder sip:a lost: no RTCP" },
    ]);
    expect(view.pauses).toEqual([{ pausedAt: t(5), resumedAt: t(12), pausedBy: "sam", resumedBy: "sam" }]);
    expect(view.segments).toBe(2);
    expect(view.recorderUri).toBe("sip:c");
    expect(view.transitions.map((x) => `${x.from}>${x.to}`)).toEqual([
      ">starting",
      "starting>recording",
      "recording>paused",
      "paused>interrupted",
      "interrupted>interrupted",
      "interrupted>paused",
      "paused>recording",
      "recording>stopped",
    ]);
    expect(view).toMatchObject({
      outcome: "incomplete",
      outcomeReason: "4.0 s lost in 1 gap",
      packetsSent: 1500,
      packetsAcked: 1500,
    });
  });

  it("is complete only when the recorder acknowledged every packet and nothing is missing", async () => {
    for (const [id, sent, acked] of [
      ["ok", 500, 500],
      ["short", 500, 480],
    ] as const) {
      await open(id);
      await history.move(id, RecordingState.Recording, { by: "media-engine", at: t(1) });
      await history.move(id, RecordingState.Stopped, { by: "call", at: t(11) });
      await history.settle(id, { sent, acked });
    }
    expect(await history.get("ok")).toMatchObject({ outcome: "complete", outcomeReason: "" });
    expect(await history.get("short")).toMatchObject({
      outcome: "incomplete",
      outcomeReason: "the recorder acknowledged 480 of 500 packets",
    });
    // A gap still open when the recording ends is closed then.
    await open("cut");
    await history.move("cut", RecordingState.Recording, { by: "media-engine", at: t(1) });
    await history.interrupted("cut", { at: t(3), recorderUri: "sip:a", reason: "lost" });
    await history.move("cut", RecordingState.Stopped, { by: "call", at: t(5) });
    await history.settle("cut", { sent: 0, acked: 0, unreported: true });
    const cut = await history.get("cut");
    expect(cut.gaps[0]!.endedAt).toEqual(t(5));
    expect(cut.outcomeReason).toBe(
      "2.0 s lost in 1 gap; the media engine did not report what the recorder received",
    );
  });

  it("keeps every transition and the pause intervals, and survives a restart", async () => {
    await open();
    await history.move("rec-1", RecordingState.Recording, {
      by: "media-engine",
      recorderUri: "sip:lab@127.0.0.1",
      at: t(1),
    });
    await history.move("rec-1", RecordingState.Paused, { by: "sam", at: t(10) });
    await history.move("rec-1", RecordingState.Recording, { by: "ann", at: t(14) });
    await history.move("rec-1", RecordingState.Paused, { by: "sam", at: t(20) });
    await history.move("rec-1", RecordingState.Stopped, { by: "sam", reason: "call released", at: t(25) });

    // A new process reading the same database sees the same history.
    const reopened = new RecordingHistoryService(createDb(url));
    const view = await reopened.get("rec-1");
    expect(view).toMatchObject({
      state: "stopped",
      recorderUri: "sip:lab@127.0.0.1",
      params: { case: "42" },
      endedAt: t(25),
    });
    expect(view.transitions.map((x) => `${x.from}>${x.to}`)).toEqual([
      ">starting",
      "starting>recording",
      "recording>paused",
      "paused>recording",
      "recording>paused",
      "paused>stopped",
    ]);
    expect(view.pauses).toEqual([
      { pausedAt: t(10), resumedAt: t(14), pausedBy: "sam", resumedBy: "ann" },
      { pausedAt: t(20), resumedAt: t(25), pausedBy: "sam", resumedBy: "" },
    ]);
  });

  it("a pause ends when the engine says media flows again, never earlier, and only the latest pause", async () => {
    await open();
    await history.move("rec-1", RecordingState.Recording, { by: "media-engine", at: t(1) });
    await history.move("rec-1", RecordingState.Paused, { by: "sam", at: t(10) });
    await history.move("rec-1", RecordingState.Recording, { by: "sam", at: t(14) });
    // The engine's "resumed" came 1 s after the answer (the recorder was slow to accept sendonly).
    await history.mediaResumed("rec-1", t(15));
    await history.mediaResumed("rec-1", t(13));
    await history.move("rec-1", RecordingState.Paused, { by: "sam", at: t(20) });
    // An event arriving before the resume is written leaves the earlier interval alone.
    await history.mediaResumed("rec-1", t(21));
    expect((await history.get("rec-1")).pauses).toEqual([
      { pausedAt: t(10), resumedAt: t(15), pausedBy: "sam", resumedBy: "sam" },
      { pausedAt: t(20), resumedAt: null, pausedBy: "sam", resumedBy: "" },
    ]);
  });

  it("a pause starts when the engine stopped forwarding, if that was later than the request", async () => {
    await open();
    await history.move("rec-1", RecordingState.Recording, { by: "media-engine", at: t(1) });
    await history.move("rec-1", RecordingState.Paused, { by: "sam", at: t(10) });
    // The engine acted 300 ms after the request; an earlier stamp (clock skew) is ignored.
    await history.mediaPaused("rec-1", new Date(t(10).getTime() + 300));
    await history.mediaPaused("rec-1", t(9));
    await history.move("rec-1", RecordingState.Recording, { by: "sam", at: t(14) });
    // A late event for an interval already closed changes nothing.
    await history.mediaPaused("rec-1", t(12));
    expect((await history.get("rec-1")).pauses).toEqual([
      { pausedAt: new Date(t(10).getTime() + 300), resumedAt: t(14), pausedBy: "sam", resumedBy: "sam" },
    ]);
  });

  it("refuses pause when paused, resume when recording, and anything after stop", async () => {
    await open();
    await expect(history.move("rec-1", RecordingState.Paused, { by: "sam" })).rejects.toThrow(
      "A recording that is starting cannot become paused.",
    );
    await history.move("rec-1", RecordingState.Recording, { by: "media-engine" });
    await expect(history.move("rec-1", RecordingState.Recording, { by: "sam" })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    await history.move("rec-1", RecordingState.Paused, { by: "sam" });
    await expect(history.move("rec-1", RecordingState.Paused, { by: "sam" })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    await history.move("rec-1", RecordingState.Stopped, { by: "sam" });
    await expect(history.move("rec-1", RecordingState.Recording, { by: "sam" })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    const view = await history.get("rec-1");
    expect(view.transitions).toHaveLength(4);
    expect(view.pauses).toHaveLength(1);
  });

  it("finds sessions by text in the id, ConnID or params, by trigger and by state", async () => {
    await open("rec-a");
    await history.open({
      id: "rec-b",
      callId: "call-2",
      connId: "00abc9",
      side: "destination",
      trigger: "full_time_dn",
      requestedBy: "full_time_dn:1003",
      params: { ticket: "INC-7781" },
      dn: "1003",
    });
    await history.move("rec-b", RecordingState.Recording, { by: "media-engine" });
    const ids = async (filter: Parameters<RecordingHistoryService["search"]>[0]) =>
      (await history.search(filter)).map((s) => s.id).sort();
    expect(await ids({ text: "inc-7781", limit: 10 })).toEqual(["rec-b"]);
    expect(await ids({ text: "abc", limit: 10 })).toEqual(["rec-b"]);
    expect(await ids({ text: "rec-", limit: 10 })).toEqual(["rec-a", "rec-b"]);
    expect(await ids({ text: "nothing like it", limit: 10 })).toEqual([]);
    expect(await ids({ trigger: "private_service", limit: 10 })).toEqual(["rec-a"]);
    expect(await ids({ state: RecordingState.Recording, limit: 10 })).toEqual(["rec-b"]);
    expect(await ids({ state: RecordingState.Recording, trigger: "private_service", limit: 10 })).toEqual([]);
  });

  it("recording ids are globally unique", async () => {
    await open("dup");
    await expect(open("dup")).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(/already used/),
    });
    await expect(history.get("nope")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("sessions left live by a stopped server end as failed", async () => {
    await open("a");
    await open("b");
    await history.move("b", RecordingState.Recording, { by: "media-engine" });
    await history.move("b", RecordingState.Paused, { by: "sam" });
    await open("c");
    await history.move("c", RecordingState.Stopped, { by: "sam" });
    expect(await history.failOrphans("server restarted")).toBe(2);
    expect((await history.get("a")).state).toBe("failed");
    const b = await history.get("b");
    expect(b.state).toBe("failed");
    expect(b.pauses[0]?.resumedAt).not.toBeNull();
    expect((await history.get("c")).state).toBe("stopped");
  });
});
