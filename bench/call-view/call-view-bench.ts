/**
 * The call view's query time with many recording sessions: seeds `--sessions` sessions (in
 * realistic calls, bench/call-view/call-view-seed.ts) into a fresh migrated database — SQLite, and
 * a throw-away PostgreSQL 15 when Debian's postgresql is installed — and times the first page and
 * filtered searches as the tRPC procedure runs them (RecordedCallService.list), p50/p99 over
 * `--runs` runs after 3 unmeasured ones. The reference is a page of the old per-session history
 * (RecordingHistoryService.search, 20 sessions) on the same database.
 *   npx tsx bench/call-view/call-view-bench.ts [--sessions 100000] [--runs 50] [--sqlite-only] [--json bench/results/call-view.json]
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { type RecordedCallsInput, zRecordedCallsInput } from "../../common/schemas/recording-schemas";
import { createDb, type Db } from "../../server/services/db";
import { RecordedCallService } from "../../server/services/recording/recorded-call-service";
import { RecordingHistoryService } from "../../server/services/recording/recording-history-service";
import { POSTGRES_BIN, startThrowawayPostgres } from "../../server/test-support/throwaway-postgres";
import { agentLogin, agentName, extension, seedCalls } from "./call-view-seed";

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const sessions = Number(arg("--sessions") ?? "100000");
const runs = Number(arg("--runs") ?? "50");
const jsonPath = arg("--json") ?? "bench/results/call-view.json";
const sqliteOnly = args.includes("--sqlite-only");
const root = path.resolve(import.meta.dirname, "../..");
const NOW = new Date("2026-12-03T12:00:00Z");

type Row = { database: string; query: string; found: number; p50Ms: number; p99Ms: number; maxMs: number };

/** Applies the checked-in migrations of the database `url` names, as `npm start` does. */
function migrate(url: string): void {
  const result = spawnSync(process.execPath, [path.join(root, "scripts/migrate.mjs")], {
    env: { ...process.env, DATABASE_URL: url, FORKLINE_QUIET_MIGRATE: "1" },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`migrating ${url} failed:\n${result.stderr}`);
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

async function time(
  run: () => Promise<number>,
): Promise<{ found: number; p50Ms: number; p99Ms: number; maxMs: number }> {
  let found = 0;
  for (let i = 0; i < 3; i++) found = await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return {
    found,
    p50Ms: round(quantile(times, 0.5)),
    p99Ms: round(quantile(times, 0.99)),
    maxMs: round(times.at(-1)!),
  };
}

/** The searches a supervisor runs; each a first page of 20 calls. */
function queries(): [string, RecordedCallsInput][] {
  const day = new Date(NOW.getTime() - 30 * 86_400_000);
  return [
    ["first page (no filter)", {}],
    [`agent name "${agentName(7)}"`, { agent: agentName(7) }],
    [`agent login ${agentLogin(42)}`, { agent: agentLogin(42) }],
    ["customer number +1555123", { customer: "+1555123" }],
    [`DN ${extension(3)}`, { dn: extension(3) }],
    ["one day", { from: day, to: new Date(day.getTime() + 86_400_000) }],
    ["duration ≥ 15 min", { minDurationSeconds: 900 }],
    ["has pause + state incomplete", { hasPause: true, state: "incomplete" }],
    ["state failed", { state: "failed" }],
    [
      `agent ${agentLogin(42)} + has pause + ≥ 5 min`,
      { agent: agentLogin(42), hasPause: true, minDurationSeconds: 300 },
    ],
  ];
}

async function measure(database: string, db: Db): Promise<Row[]> {
  const seedStart = performance.now();
  const seeded = await seedCalls(db, sessions, NOW);
  const seedSeconds = ((performance.now() - seedStart) / 1000).toFixed(1);
  console.log(
    `${database}: seeded ${sessions} sessions in ${seeded.calls} calls (${seeded.rows} rows) in ${seedSeconds} s`,
  );
  if (database === "PostgreSQL") await db.$executeRawUnsafe("ANALYZE");
  const service = new RecordedCallService(db);
  const rows: Row[] = [];
  for (const [name, input] of queries()) {
    const filter = zRecordedCallsInput.parse(input);
    rows.push({
      database,
      query: name,
      ...(await time(async () => (await service.list(filter)).calls.length)),
    });
  }
  // The second page: what "Older" costs.
  const first = await service.list(zRecordedCallsInput.parse({}));
  const second = zRecordedCallsInput.parse({ cursor: first.nextCursor });
  rows.push({
    database,
    query: "second page (cursor)",
    ...(await time(async () => (await service.list(second)).calls.length)),
  });
  const history = new RecordingHistoryService(db);
  rows.push({
    database,
    query: "reference: old per-session history, 20 sessions",
    ...(await time(async () => (await history.search({ limit: 20 })).length)),
  });
  return rows;
}

async function onSqlite(): Promise<Row[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-call-view-"));
  const url = `file:${path.join(dir, "bench.db")}`;
  try {
    migrate(url);
    const db = createDb(url);
    try {
      return await measure("SQLite", db);
    } finally {
      await db.$disconnect();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function onPostgresql(): Promise<Row[]> {
  const cluster = await startThrowawayPostgres();
  try {
    const admin = new pg.Client({ connectionString: cluster.urlOf("postgres") });
    await admin.connect();
    await admin.query("CREATE DATABASE bench");
    await admin.end();
    migrate(cluster.urlOf("bench"));
    const db = createDb(cluster.urlOf("bench"));
    try {
      return await measure("PostgreSQL", db);
    } finally {
      await db.$disconnect();
    }
  } finally {
    cluster.stop();
  }
}

const rows = await onSqlite();
if (!sqliteOnly && fs.existsSync(path.join(POSTGRES_BIN, "initdb"))) rows.push(...(await onPostgresql()));
else if (!sqliteOnly) console.log(`PostgreSQL skipped: no ${path.join(POSTGRES_BIN, "initdb")}`);

console.log(`\n${sessions} sessions, first page of 20 calls, ${runs} runs each (after 3 unmeasured)\n`);
console.log("| database | query | calls found | p50 | p99 | max |");
console.log("| --- | --- | --- | --- | --- | --- |");
for (const r of rows)
  console.log(`| ${r.database} | ${r.query} | ${r.found} | ${r.p50Ms} ms | ${r.p99Ms} ms | ${r.maxMs} ms |`);
fs.mkdirSync(path.dirname(jsonPath), { recursive: true });
fs.writeFileSync(
  jsonPath,
  JSON.stringify(
    { date: new Date().toISOString(), sessions, runs, cpus: os.cpus().length, loadavg: os.loadavg(), rows },
    null,
    2,
  ),
);
console.log(`\nwritten ${jsonPath}`);
