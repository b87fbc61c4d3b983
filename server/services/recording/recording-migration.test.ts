import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { expect, it } from "vitest";

const migrations = path.resolve(import.meta.dirname, "../../../prisma/migrations");

it("the dn/agentId migration keeps every recording session, transition and pause already saved", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-migration-"));
  const db = new Database(path.join(dir, "db.sqlite"));
  try {
    db.exec(fs.readFileSync(path.join(migrations, "20261125000000_init/migration.sql"), "utf8"));
    db.prepare(
      "insert into RecordingSession (id, callId, connId, side, trigger, state) values ('r1', 'c', 'k', 'source', 'route', 'paused')",
    ).run();
    db.prepare(
      "insert into RecordingTransition (id, sessionId, fromState, toState, by, reason) values ('t1', 'r1', '', 'starting', 'x', 'route')",
    ).run();
    db.prepare(
      "insert into RecordingPause (id, sessionId, pausedAt, pausedBy) values ('p1', 'r1', 0, 'sup')",
    ).run();
    db.exec(
      fs.readFileSync(path.join(migrations, "20261125100000_recording_dn_agent/migration.sql"), "utf8"),
    );
    expect(db.prepare("select id, state, dn, agentId from RecordingSession").all()).toEqual([
      { id: "r1", state: "paused", dn: "", agentId: "" },
    ]);
    expect(db.prepare("select count(*) as n from RecordingTransition").get()).toEqual({ n: 1 });
    expect(db.prepare("select count(*) as n from RecordingPause").get()).toEqual({ n: 1 });
    expect(db.prepare("pragma foreign_key_check").all()).toEqual([]);
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
