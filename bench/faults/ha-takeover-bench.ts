/**
 * SIP Server HA pair: the time from the active instance's death (kill -9, mid-call) to the backup
 * answering SIP at the shared address, and to the call being taken up; ≥ 10 runs per setting,
 * the roles alternating (the killed instance is started again as the backup each time, as its
 * launcher does). Two server processes on one throw-away PostgreSQL 15, one media engine, a
 * registered phone and a trunk call established before each kill; OPTIONS sent every 20 ms.
 *
 * Reference, measured in the same run: a single server (no pair) killed and started again at
 * once — the restart-in-place path, without the launcher's 500 ms back-off.
 *   npx tsx bench/faults/ha-takeover-bench.ts [--runs 10] [--json bench/results/ha-takeover.json]
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import {
  spawnMediaEngine,
  spawnService,
  type SpawnedProcess,
} from "../../media-engine/test-support/engine-harness";
import { AnsweringPhone } from "../../server/test-support/answering-phone";
import { SipTestPhone } from "../../server/test-support/sip-test-phone";
import { firstSipAnswer } from "../../server/test-support/sip-ping";
import { startThrowawayPostgres } from "../../server/test-support/throwaway-postgres";
import { benchArg, percentile } from "./fault-bench-support";

const runs = Number(benchArg("--runs") ?? "10");
/** HA_LEASE_MS settings to measure (each a pair of runs). */
const leases = (benchArg("--leases") ?? "1500,750").split(",").map(Number);
const jsonPath = benchArg("--json") ?? "bench/results/ha-takeover.json";
const SIP_PORT = 6261;
const ENGINE = { sip: 6263, http: 6264, rtpMin: 40400, rtpMax: 40599 };
const root = path.resolve(import.meta.dirname, "../..");

type Run = { answerMs: number; takenUpMs: number };

const postgres = await startThrowawayPostgres();
const engine = await spawnMediaEngine(ENGINE, { MEDIA_ENGINE_SECRET: "ha-bench-secret-0123456789abcdef" });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-ha-bench-"));

async function freshDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: postgres.urlOf("postgres") });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = postgres.urlOf(name);
  execFileSync(process.execPath, [path.join(root, "scripts/migrate.mjs")], {
    env: { PATH: process.env.PATH, NODE_ENV: "production", DATABASE_URL: url, FORKLINE_QUIET_MIGRATE: "1" },
    stdio: "pipe",
  });
  return url;
}

function startServer(url: string, node: string | undefined, httpPort: number, leaseMs: number) {
  return spawnService(
    "server/main.ts",
    {
      HOME: os.homedir(),
      DATABASE_URL: url,
      DATA_DIR: path.join(dir, node ?? "single"),
      SIP_PORT: String(SIP_PORT),
      HTTP_PORT: String(httpPort),
      MEDIA_ENGINE_URI: `sip:127.0.0.1:${ENGINE.sip}`,
      MEDIA_ENGINE_SECRET: "ha-bench-secret-0123456789abcdef",
      ADMIN_PASSWORD: "ha-bench-password",
      FORKLINE_AUTO_BUILD: "false",
      ...(node === undefined ? {} : { HA_NODE: node, HA_LEASE_MS: String(leaseMs) }),
    },
    "server ready",
  );
}

/** A phone registered as 1001 and a trunk call to it, established: what the new server takes up. */
async function establishCall(): Promise<() => Promise<void>> {
  const agent = await AnsweringPhone.start(40650);
  const registrar = await SipTestPhone.start();
  const registered = await registrar.register({
    server: `127.0.0.1:${SIP_PORT}`,
    user: "1001",
    password: "demo-1001",
    contact: agent.contact,
  });
  if (registered.status !== 200) throw new Error(`REGISTER: ${registered.status}`);
  const trunk = await SipTestPhone.start({ BYE: (request) => void request.reply(200) }, 5062);
  const { response, dialog } = await trunk.call(`127.0.0.1:${SIP_PORT}`, "1001");
  if (response.status !== 200 || dialog === undefined) throw new Error(`INVITE: ${response.status}`);
  return async () => {
    // Hung up through whichever server holds the call now, so the next run takes up one call.
    const bye = await trunk.ua.sendInDialog(dialog, dialog.createRequest("BYE"));
    if (bye.status !== 200) throw new Error(`BYE after the take-over: ${bye.status}`);
    await Promise.all([agent.close(), registrar.close(), trunk.close()]);
  };
}

/** Who holds the pair's lease now. */
async function leaseHolder(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ holder: string }>(`SELECT "holder" FROM "ServerLease"`)).rows[0]?.holder;
  } finally {
    await client.end();
  }
}

type PairResult = { runs: Run[]; leasesLost: number };

/** The pair: kill -9 the active one mid-call, time the backup; start the dead one again as the backup. */
async function measurePair(leaseMs: number): Promise<PairResult> {
  const url = await freshDatabase(`ha_${leaseMs}`);
  const http: Record<string, number> = { "ctl-a": 3261, "ctl-b": 3262 };
  const servers: Record<string, SpawnedProcess> = {};
  for (const node of ["ctl-a", "ctl-b"]) servers[node] = await startServer(url, node, http[node]!, leaseMs);
  const results: Run[] = [];
  // An active instance that could not renew in time (this machine starved) stops by itself and
  // the other takes over: counted, and the stopped one started again, as its launcher would.
  let leasesLost = 0;
  try {
    while (results.length < runs) {
      for (const node of ["ctl-a", "ctl-b"]) {
        if (servers[node]!.child.exitCode === null && servers[node]!.child.signalCode === null) continue;
        if (servers[node]!.child.exitCode === 75) leasesLost += 1;
        servers[node] = await startServer(url, node, http[node]!, leaseMs);
      }
      const hangUp = await establishCall();
      // A random point of the active one's renewal period.
      await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * (leaseMs / 5)));
      const active = await leaseHolder(url);
      const backup = active === "ctl-a" ? "ctl-b" : "ctl-a";
      const before = servers[backup]!.output().length;
      const killedAt = Date.now();
      servers[active!]!.child.kill("SIGKILL");
      const answeredAt = await firstSipAnswer("127.0.0.1", SIP_PORT, { everyMs: 20, timeoutMs: 20_000 });
      const takenUp = await waitForLine(servers[backup]!, before, /HA: ctl-. serves SIP .* in (\d+) ms/);
      results.push({ answerMs: answeredAt - killedAt, takenUpMs: Number(takenUp?.[1]) });
      await hangUp();
      process.stderr.write(".");
    }
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
  }
  process.stderr.write("\n");
  return { runs: results, leasesLost };
}

/** The reference: one server, killed and started again at once (restart in place). */
async function measureRestart(): Promise<Run[]> {
  const url = await freshDatabase("single");
  let server = await startServer(url, undefined, 3263, 0);
  const results: Run[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      const hangUp = await establishCall();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const killedAt = Date.now();
      server.child.kill("SIGKILL");
      const starting = startServer(url, undefined, 3263, 0);
      // A restart that never answers is reported as such (NaN), not the end of the benchmark.
      const answeredAt = await firstSipAnswer("127.0.0.1", SIP_PORT, {
        everyMs: 20,
        timeoutMs: 30_000,
      }).catch(() => NaN);
      server = await starting;
      results.push({ answerMs: answeredAt - killedAt, takenUpMs: NaN });
      await hangUp();
      process.stderr.write(".");
    }
  } finally {
    await server.stop();
  }
  process.stderr.write("\n");
  return results;
}

/** The line, or undefined when it did not come within 10 s (the take-up is then not known). */
async function waitForLine(
  server: SpawnedProcess,
  from: number,
  pattern: RegExp,
): Promise<RegExpExecArray | undefined> {
  for (let i = 0; i < 500; i++) {
    const match = pattern.exec(server.output().slice(from));
    if (match !== null) return match;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return undefined;
}

// Whatever happens, the engine and the throw-away cluster go (a crashed run left both behind, holding their ports).
const pairs: { leaseMs: number; result: PairResult }[] = [];
let restart: Run[];
try {
  for (const leaseMs of leases) pairs.push({ leaseMs, result: await measurePair(leaseMs) });
  restart = await measureRestart();
} finally {
  engine.child.kill("SIGKILL");
  postgres.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}

const ms = (values: number[], p: number) =>
  Math.round(
    percentile(
      values.filter((v) => !Number.isNaN(v)),
      p,
    ),
  );
const summary = (label: string, rows: Run[]) => ({
  setting: label,
  runs: rows.length,
  "answer p50 ms": ms(
    rows.map((r) => r.answerMs),
    50,
  ),
  "answer p99 ms": ms(
    rows.map((r) => r.answerMs),
    99,
  ),
  "answer max ms": Math.round(Math.max(...rows.map((r) => r.answerMs).filter((v) => !Number.isNaN(v)))),
  "take-up p50 ms": ms(
    rows.map((r) => r.takenUpMs),
    50,
  ),
});
const table = [
  ...pairs.map(({ leaseMs, result }) => ({
    ...summary(`HA pair, HA_LEASE_MS=${leaseMs}${leaseMs === 1500 ? " (default)" : ""}`, result.runs),
    "leases lost": result.leasesLost,
  })),
  {
    ...summary("single server restarted at once (reference)", restart),
    "leases lost": "-",
    "no answer": restart.filter((r) => Number.isNaN(r.answerMs)).length,
  },
];
console.table(table);
fs.mkdirSync(path.dirname(jsonPath), { recursive: true });
fs.writeFileSync(
  jsonPath,
  `${JSON.stringify({ date: new Date().toISOString(), machine: `${os.cpus().length} cores`, runs, table, pairs, restart }, null, 2)}\n`,
);
