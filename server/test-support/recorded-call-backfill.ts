import fs from "node:fs";
import path from "node:path";
import { expect } from "vitest";
import type { Db } from "../services/db";
import { RecordedCallService } from "../services/recording/recorded-call-service";
import { zRecordedCallsInput } from "../../common/schemas/recording-schemas";

/** The migration that creates RecordedCall and sums up the sessions already saved. */
export const BACKFILL_MIGRATION = "20261205100000_recorded_calls";

/** The migration files of one folder in order, split at the backfill: [before, the backfill]. */
export function migrationsAroundBackfill(folder: "migrations" | "migrations-postgresql"): [string[], string] {
  const dir = path.resolve(import.meta.dirname, "../../prisma", folder);
  const names = fs
    .readdirSync(dir)
    .filter((name) => fs.existsSync(path.join(dir, name, "migration.sql")))
    .sort();
  const sql = (name: string) => fs.readFileSync(path.join(dir, name, "migration.sql"), "utf8");
  const index = names.indexOf(BACKFILL_MIGRATION);
  if (index < 0) throw new Error(`${folder} has no ${BACKFILL_MIGRATION}`);
  return [names.slice(0, index).map(sql), sql(BACKFILL_MIGRATION)];
}

const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 9, 0, s));

/**
 * Sessions as a server before the call view saved them (through Prisma, in its own date format):
 * call "k1" with two sides, one paused, ended 0 s–42.5 s and complete; call "k2" still live.
 */
export async function seedSessionsBeforeBackfill(db: Db): Promise<void> {
  const base = { callId: "sip-1", connId: "k1", trigger: "route", requestedBy: "route", params: "{}" };
  await db.recordingSession.create({
    data: {
      ...base,
      id: "s1",
      side: "source",
      dn: "pstn",
      state: "stopped",
      startedAt: at(0),
      endedAt: at(40),
      outcome: "complete",
    },
  });
  await db.recordingSession.create({
    data: {
      ...base,
      id: "s2",
      side: "destination",
      dn: "1003",
      agentId: "5001",
      state: "stopped",
      startedAt: at(1),
      endedAt: new Date(at(42).getTime() + 500),
      outcome: "complete",
      pauses: { create: { pausedAt: at(5), resumedAt: at(8), pausedBy: "cti:1003" } },
    },
  });
  await db.recordingSession.create({
    data: {
      ...base,
      id: "s3",
      connId: "k2",
      side: "source",
      dn: "1001",
      state: "recording",
      startedAt: at(100),
    },
  });
}

/** What the backfill must have made of seedSessionsBeforeBackfill's sessions, read as the call view reads it. */
export async function expectBackfilled(db: Db): Promise<void> {
  expect(
    await db.recordedCall.findMany({
      orderBy: { connId: "asc" },
      select: {
        connId: true,
        dns: true,
        agentIds: true,
        startedAt: true,
        endedAt: true,
        durationMs: true,
        hasPause: true,
        state: true,
        sessionCount: true,
      },
    }),
  ).toEqual([
    {
      connId: "k1",
      dns: expect.stringMatching(/^ (pstn 1003|1003 pstn) $/) as unknown as string,
      agentIds: " 5001 ",
      startedAt: at(0),
      endedAt: new Date(at(42).getTime() + 500),
      durationMs: 42_500,
      hasPause: true,
      state: "complete",
      sessionCount: 2,
    },
    {
      connId: "k2",
      dns: " 1001 ",
      agentIds: " ",
      startedAt: at(100),
      endedAt: null,
      durationMs: null,
      hasPause: false,
      state: "live",
      sessionCount: 1,
    },
  ]);
  const page = await new RecordedCallService(db).list(
    zRecordedCallsInput.parse({ agent: "5001", hasPause: true }),
  );
  expect(page.calls.map((c) => [c.connId, c.sessions.length])).toEqual([["k1", 2]]);
}
