import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "../../errors/app-error";
import type { Actor } from "../actor";
import type { Db } from "../db";
import { createDb } from "../db";
import { createTestDb } from "../../test-support/test-db";
import { AlarmKind, ENGINE_DOWN_CHECKS, AlarmService, alarmEvents } from "./alarm-service";

let db: Db;
let url: string;
let cleanup: () => Promise<void>;
let alarms: AlarmService;
const supervisor: Actor = { kind: "user", userId: null, username: "sue", role: "supervisor" };

beforeEach(async () => {
  ({ db, url, cleanup } = await createTestDb());
  alarms = new AlarmService(db);
});
afterEach(() => cleanup());

describe("AlarmService", () => {
  it("keeps one alarm per failed recording, and one counting alarm per unreachable media engine", async () => {
    await alarms.raise({
      kind: AlarmKind.RecorderFailed,
      message: "486 Busy Here",
      connId: "c1",
      recordingId: "r1",
    });
    await alarms.raise({
      kind: AlarmKind.RecorderFailed,
      message: "486 Busy Here",
      connId: "c2",
      recordingId: "r2",
    });
    for (let i = 0; i < 3; i++) {
      await alarms.raise({
        kind: AlarmKind.MediaEngineUnreachable,
        subject: "sip:me@127.0.0.1:5070",
        message: `timeout ${i}`,
      });
    }
    const open = await alarms.open();
    expect(open).toHaveLength(3);
    expect(open.find((a) => a.kind === "media_engine_unreachable")).toMatchObject({
      count: 3,
      message: "timeout 0 Latest: timeout 2",
      subject: "sip:me@127.0.0.1:5070",
    });
  });

  it("acknowledging closes the alarm, audits who did it, and a later outage opens a new one", async () => {
    const raised = await alarms.raise({
      kind: AlarmKind.MediaEngineUnreachable,
      subject: "sip:me@127.0.0.1:5070",
      message: "timeout",
    });
    const changes = alarmEvents.changes(AbortSignal.timeout(2000));
    const changed = changes.next();
    expect(await alarms.acknowledge([raised.id], supervisor)).toEqual({ acknowledged: 1 });
    await changed;
    expect(await alarms.open()).toEqual([]);
    const row = await db.alarm.findUniqueOrThrow({ where: { id: raised.id } });
    expect(row.acknowledgedBy).toBe("sue");
    expect(row.acknowledgedAt).toBeInstanceOf(Date);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { action: "alarm.acknowledge" } });
    expect(audit).toMatchObject({ actor: "sue", entity: "Alarm", entityId: raised.id });
    // Acknowledging twice is harmless; an unknown id is a typed error.
    expect(await alarms.acknowledge([raised.id], supervisor)).toEqual({ acknowledged: 0 });
    await expect(alarms.acknowledge(["nope"], supervisor)).rejects.toBeInstanceOf(AppError);

    await alarms.raise({
      kind: AlarmKind.MediaEngineUnreachable,
      subject: "sip:me@127.0.0.1:5070",
      message: "x",
    });
    expect(await alarms.open()).toMatchObject([{ count: 1 }]);
  });

  it("a media engine that never answers is reported once, after 10 s of missed keep-alives, as one alarm", async () => {
    const engine = { uri: "sip:127.0.0.1:5070", healthy: false, error: "408 Request Timeout" };
    for (let n = 1; n < ENGINE_DOWN_CHECKS; n++)
      expect(await alarms.engineHealth({ ...engine, failuresInARow: n })).toBeNull();
    expect(await alarms.open()).toEqual([]);
    await alarms.engineHealth({ ...engine, failuresInARow: ENGINE_DOWN_CHECKS });
    await alarms.engineHealth({ ...engine, failuresInARow: ENGINE_DOWN_CHECKS + 1 });
    expect(await alarms.engineHealth({ ...engine, healthy: true, failuresInARow: 0 })).toBeNull();
    // The engine-loss handling raised its own alarm for the same engine: still one alarm.
    await alarms.raise({ kind: AlarmKind.MediaEngineLost, subject: engine.uri, message: "restarted" });
    const open = await alarms.open();
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ kind: "media_engine_lost", subject: engine.uri, count: 2 });
  });

  it("one call's repeated recorder failures count on one alarm; another call gets its own", async () => {
    for (let i = 0; i < 4; i++)
      await alarms.raise({
        kind: AlarmKind.RecorderFailed,
        subject: "sip:r1",
        message: `try ${i}`,
        connId: "c1",
      });
    await alarms.raise({ kind: AlarmKind.RecorderFailed, subject: "sip:r1", message: "x", connId: "c2" });
    const open = await alarms.open();
    expect(open.map((a) => [a.connId, a.count]).sort()).toEqual([
      ["c1", 4],
      ["c2", 1],
    ]);
    expect(open.find((a) => a.connId === "c1")!.message).toBe("try 0 Latest: try 3");
  });

  it("alarms survive a restart: they are in the database", async () => {
    await alarms.raise({ kind: AlarmKind.RecorderFailed, message: "408 Request Timeout", connId: "c9" });
    await db.$disconnect();
    const again = createDb(url);
    try {
      expect(await new AlarmService(again).open()).toMatchObject([{ connId: "c9" }]);
    } finally {
      await again.$disconnect();
    }
  });
});
