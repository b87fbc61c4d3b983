import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "../../errors/app-error";
import { SYSTEM_ACTOR } from "../actor";
import type { Db } from "../db";
import { createTestDb } from "../../test-support/test-db";
import { auditPlayback, findPlaybackSource } from "./recording-playback-service";

const LAB = "sip:127.0.0.1:5080";
let db: Db;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ db, cleanup } = await createTestDb());
});
afterEach(() => cleanup());

async function session(id: string, recorderUri: string, segments = 1) {
  await db.recordingSession.create({
    data: {
      id,
      callId: "c",
      connId: "k",
      side: "source",
      trigger: "private_service",
      state: "stopped",
      recorderUri,
      segments,
    },
  });
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return error instanceof AppError ? `${error.code}: ${error.message}` : String(error);
}

describe("findPlaybackSource", () => {
  it("names the lab recorder's file as the recorder does: the id made file-safe, .seg<n> from the second segment", async () => {
    await session("case/42+x==", "sip:srs@localhost:5080;transport=tcp", 3);
    expect(await findPlaybackSource(db, LAB, "case/42+x==", 1)).toEqual({
      kind: "lab",
      recordingId: "case/42+x==",
      fileName: "case_42-x",
    });
    expect(await findPlaybackSource(db, LAB, "case/42+x==", 3)).toMatchObject({ fileName: "case_42-x.seg3" });
    expect(await refusal(findPlaybackSource(db, LAB, "case/42+x==", 4))).toBe(
      "NOT_FOUND: Recording case/42+x== has 3 segment(s), not 4.",
    );
  });

  it("links to a third-party recorder's player; refuses a recorder without one, a session with none, an unknown id", async () => {
    await session("r-vendor", "sip:rec.example:5060");
    await session("r-nowhere", "");
    expect(await refusal(findPlaybackSource(db, LAB, "r-vendor", 1))).toBe(
      "NOT_FOUND: Recording r-vendor is kept by sip:rec.example:5060, which has no playback URL: set one on the recorder.",
    );
    await db.recorder.create({
      data: {
        name: "vendor",
        uri: "sips:REC.example:5060",
        position: 2,
        playbackUrl: "https://rec.example/play?id={id}",
      },
    });
    expect(await findPlaybackSource(db, LAB, "r-vendor", 1)).toEqual({
      kind: "link",
      recordingId: "r-vendor",
      url: "https://rec.example/play?id=r-vendor",
    });
    expect(await refusal(findPlaybackSource(db, LAB, "r-nowhere", 1))).toBe(
      "NOT_FOUND: Recording r-nowhere never reached a recorder.",
    );
    expect(await refusal(findPlaybackSource(db, LAB, "missing", 1))).toBe("NOT_FOUND: No recording missing.");
  });
});

describe("auditPlayback", () => {
  it("writes who, which recording and what as an audit row", async () => {
    await auditPlayback(db, SYSTEM_ACTOR, {
      recordingId: "r1",
      segment: 2,
      action: "download",
      file: "metadata",
    });
    expect(
      await db.auditEvent.findMany({
        select: { actor: true, action: true, entity: true, entityId: true, after: true },
      }),
    ).toEqual([
      {
        actor: "system",
        action: "recording.download",
        entity: "RecordingSession",
        entityId: "r1",
        after: JSON.stringify({ segment: 2, file: "metadata" }),
      },
    ]);
  });
});
