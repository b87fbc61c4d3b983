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

beforeEach(() => {
  ({ db, url, cleanup } = createTestDb());
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
