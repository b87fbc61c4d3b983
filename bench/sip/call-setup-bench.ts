/**
 * SIP call set-up rate, trunk → extension with media anchored on the media engine. SIPp plays the
 * trunk (UAC) and the extension's phone (UAS, late offer), pinned to core 1; the Forkline stack
 * (server + media engine + recorder) is not pinned. Each rate also runs SIPp UAC → SIPp UAS
 * directly (the reference: what the load generator itself sustains) and prints the ratio.
 *
 * `--workers 1,2,4` (issue 14): the same rates against a server given 1, 2 or 4 media engines, as
 * MEDIA_ENGINE_WORKERS=w gives it (MEDIA_ENGINE_URI lists w engines, each with its slice of the
 * RTP range, one shared MEDIA_ENGINE_SECRET). The bench starts those engines itself, on SIP
 * 6270+2i / HTTP 6271+2i, rather than through the launcher: the launcher puts worker i 100·i
 * ports above the first, which lands on ports other test files use (5811/5812, 5911/5912) while
 * other sessions run them on this machine. The stack's other processes, the engines and SIPp
 * get their CPU measured per run, so that the load generator's share of the 2 cores is known.
 *   npx tsx bench/sip/call-setup-bench.ts [--rates 25,50,100,150] [--seconds 10] [--workers 1,2,4]
 *     [--json bench/results/call-setup.json]
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cpuSeconds, loadAverage } from "../recorded-calls/bench-machine";
import { SipTestPhone } from "../../server/test-support/sip-test-phone";
import { startTestStack, type TestStack } from "../../server/test-support/start-test-stack";
import { sippArgs } from "../../server/test-support/sipp";

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const rates = (arg("--rates") ?? "25,50,100,150").split(",").map(Number);
const seconds = Number(arg("--seconds") ?? "10");
const jsonPath = arg("--json") ?? "bench/results/call-setup.json";
/** Media engine counts to compare; undefined: the launcher's one engine, as before. */
const workerCounts = arg("--workers")?.split(",").map(Number);
if (workerCounts?.some((w) => !Number.isInteger(w) || w < 1 || w > 4))
  throw new Error("--workers: 1 to 4 engines (SIP/HTTP 6270–6277)");
const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, "../..");
const uasScenario = path.join(here, "../../server/sip/__scenarios__/extension-uas-late-offer.xml");
const uacScenario = path.join(here, "trunk-uac-short.xml");
const pin = spawnSync("taskset", ["-c", "1", "true"]).status === 0 && os.cpus().length >= 2;
const TARGET_CPS = 100;
const ports = {
  http: 3201,
  sip: 5601,
  mediaSip: 5611,
  mediaHttp: 5612,
  recorderSip: 5621,
  recorderHttp: 5622,
  rtpMin: 44000,
  rtpMax: 47999,
};
/**
 * SIPp's own SIP ports: the trunk UAC on 5062 (the seeded demo trunk's peer address, whose
 * INVITEs the server takes as the trunk's), the extension's UAS on 6281, in this bench's range:
 * 5063 is used by other sessions' test runs.
 */
const UAC_PORT = 5062;
const UAS_PORT = 6281;
/** --workers: engine i's SIP port is WORKER_SIP + 2i, its HTTP port the next one. */
const WORKER_SIP = 6270;

type Run = {
  rate: number;
  attempted: number;
  successful: number;
  failed: number;
  cps: number;
  avgSetupMs: number;
  /** CPU % (100 = one core) over the UAC's run: SIPp (UAC + UAS), and with a stack its processes. */
  sippCpuPercent: number;
  /** Launcher, server and lab recorder (the engines apart). */
  stackCpuPercent?: number;
  /** The media engines, summed. */
  enginesCpuPercent?: number;
  /** Answers SIPp did not expect (the failed calls' status lines), by status line. */
  unexpected: Record<string, number>;
  sippError?: string;
};

/** CPU seconds of a set of processes, sampled every 200 ms, so that one that exits is still counted. */
class CpuSampler {
  private readonly first = new Map<number, number>();
  private readonly last = new Map<number, number>();
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  constructor(private readonly pids: () => number[]) {
    this.sample();
    this.timer = setInterval(() => this.sample(), 200);
  }
  private sample(): void {
    for (const pid of this.pids()) {
      try {
        const cpu = cpuSeconds(pid);
        if (!this.first.has(pid)) this.first.set(pid, cpu);
        this.last.set(pid, cpu);
      } catch {
        // Exited since the last sample: its last sample stands.
      }
    }
  }
  /** CPU % per group of pids since the start. */
  stop(groups: Record<string, number[]>): Record<string, number> {
    this.sample();
    clearInterval(this.timer);
    const wall = (performance.now() - this.started) / 1000;
    return Object.fromEntries(
      Object.entries(groups).map(([name, pids]) => [
        name,
        (100 * pids.reduce((sum, pid) => sum + (this.last.get(pid) ?? 0) - (this.first.get(pid) ?? 0), 0)) /
          wall,
      ]),
    );
  }
}

/** `pid` and every process below it, from /proc. */
function descendants(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // Gone between readdir and read.
    }
  }
  const all: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift()!;
    all.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return all;
}

function sipp(
  args: string[],
  core: number,
  timeoutMs: number,
): { child: ChildProcess; done: Promise<string> } {
  const command = pin ? ["taskset", "-c", String(core), "sipp", ...args] : ["sipp", ...args];
  // taskset execs SIPp, so the child's pid is SIPp's: it is stopped and measured by that pid.
  const child = spawn(command[0]!, command.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const done = new Promise<string>((resolve) =>
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(output);
    }),
  );
  return { child, done };
}

/** SIPp's -trace_stat CSV: the last line holds the cumulative counters. */
function readStats(file: string): { successful: number; failed: number; avgSetupMs: number } {
  const lines = fs.readFileSync(file, "utf8").trim().split("\n");
  const header = lines[0]!.split(";");
  const last = lines[lines.length - 1]!.split(";");
  const field = (name: string) => last[header.indexOf(name)] ?? "0";
  // SIPp writes durations as hh:mm:ss:microseconds.
  const [h = 0, m = 0, s = 0, us = 0] = field("ResponseTime1(C)").split(":").map(Number);
  return {
    successful: Number(field("SuccessfulCall(C)")),
    failed: Number(field("FailedCall(C)")),
    avgSetupMs: h * 3_600_000 + m * 60_000 + s * 1000 + us / 1000,
  };
}

/** A run at `rate` against `target`; `stack` (the server's side) to measure its CPU, if any. */
async function run(
  target: string,
  rate: number,
  dir: string,
  stack?: { launcher: TestStack; engines: ChildProcess[] },
): Promise<Run> {
  const attempted = rate * seconds;
  const uas = sipp(
    sippArgs({ scenario: uasScenario, port: UAS_PORT, mediaPort: 48000, calls: null }),
    1,
    (seconds + 60) * 1000,
  );
  await new Promise((r) => setTimeout(r, 300));
  const statFile = path.join(dir, `uac-${rate}-${target.replace(/\W/g, "_")}-${Date.now()}.csv`);
  const errorFile = statFile.replace(/\.csv$/, "-errors.log");
  const started = Date.now();
  const uac = sipp(
    sippArgs({
      remote: target,
      scenario: uacScenario,
      service: "1001",
      port: UAC_PORT,
      mediaPort: 49000,
      calls: attempted,
      timeout: `${seconds + 40}s`,
      // Why calls failed: the status lines of the unexpected answers are counted from this file.
      errorFile,
      extra: [
        ...["-r", String(rate), "-l", String(rate * 4)],
        ...["-trace_stat", "-stf", statFile, "-fd", "1", "-recv_timeout", "10000"],
      ],
    }),
    1,
    (seconds + 60) * 1000,
  );
  const sippPids = [uac.child.pid, uas.child.pid].filter((pid): pid is number => pid !== undefined);
  const enginePids = stack?.engines.map((e) => e.pid!) ?? [];
  // The launcher's own engines (without --workers) are among its descendants: counted as engines.
  const stackPids = descendants(stack?.launcher.pid);
  const launcherEngines = stackPids.filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("media-engine/main.ts");
    } catch {
      return false;
    }
  });
  const sampler = new CpuSampler(() => [...sippPids, ...stackPids, ...enginePids]);
  const uacOutput = await uac.done;
  const elapsed = (Date.now() - started) / 1000;
  const cpu = sampler.stop({
    sipp: sippPids,
    stack: stackPids.filter((pid) => !launcherEngines.includes(pid)),
    engines: [...enginePids, ...launcherEngines],
  });
  uas.child.kill("SIGTERM");
  await uas.done;
  const stats = readStats(statFile);
  const unexpected: Record<string, number> = {};
  const errors = fs.existsSync(errorFile) ? fs.readFileSync(errorFile, "utf8") : "";
  for (const match of errors.matchAll(/received 'SIP\/2\.0 (\d{3}[^\r\n']*)/g))
    unexpected[match[1]!.trim()] = (unexpected[match[1]!.trim()] ?? 0) + 1;
  return {
    rate,
    attempted,
    ...stats,
    unexpected,
    // A UAC that never ran (a port of its taken) leaves only the CSV's header: its output says why.
    ...(fs.readFileSync(statFile, "utf8").trim().split("\n").length < 2
      ? { sippError: uacOutput.trim().split("\n").slice(-3).join(" | ") }
      : {}),
    cps: stats.successful / Math.max(elapsed - 1, 1),
    sippCpuPercent: cpu.sipp!,
    ...(stack === undefined ? {} : { stackCpuPercent: cpu.stack!, enginesCpuPercent: cpu.engines! }),
  };
}

/** `count` media engines as the launcher would run them for MEDIA_ENGINE_WORKERS=count. */
async function startEngines(count: number, secret: string): Promise<ChildProcess[]> {
  const slice = Math.floor((ports.rtpMax - ports.rtpMin + 1) / count);
  const engines: ChildProcess[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "media-engine/main.ts")], {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NODE_ENV: "production",
          MEDIA_ENGINE_HOST: "127.0.0.1",
          MEDIA_ENGINE_SIP_PORT: String(WORKER_SIP + 2 * i),
          MEDIA_ENGINE_HTTP_PORT: String(WORKER_SIP + 2 * i + 1),
          MEDIA_ENGINE_SECRET: secret,
          RTP_PORT_MIN: String(ports.rtpMin + slice * i),
          RTP_PORT_MAX: String(i === count - 1 ? ports.rtpMax : ports.rtpMin + slice * (i + 1) - 1),
          RTP_INACTIVITY_TIMEOUT_S: "0",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      engines.push(child);
      let output = "";
      await new Promise<void>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes("media-engine ready")) {
            child.stdout!.off("data", onData);
            child.stdout!.resume();
            resolve();
          }
        };
        child.stdout!.on("data", onData);
        child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.once("exit", (code) => reject(new Error(`media engine ${i} exited (${code}): ${output}`)));
      });
    }
    return engines;
  } catch (error) {
    await stopEngines(engines);
    throw error;
  }
}

async function stopEngines(engines: ChildProcess[]): Promise<void> {
  await Promise.all(
    engines.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

type WorkerResult = {
  /** Media engines; null: the launcher's own single engine (no --workers). */
  workers: number | null;
  loadAverageBefore: number;
  loadAverageAfter: number;
  results: { engine: Run; reference: Run }[];
  bestCps: number;
};

async function measure(workers: number | null, dir: string): Promise<WorkerResult> {
  const loadAverageBefore = loadAverage();
  const secret = randomBytes(24).toString("base64url");
  const engines = workers === null ? [] : await startEngines(workers, secret);
  const results: { engine: Run; reference: Run }[] = [];
  try {
    const launcher = await startTestStack(
      ports,
      workers === null
        ? { RTP_INACTIVITY_TIMEOUT_S: "0" }
        : {
            RTP_INACTIVITY_TIMEOUT_S: "0",
            FORKLINE_SERVICES: "server,recorder",
            MEDIA_ENGINE_SECRET: secret,
            MEDIA_ENGINE_URI: engines.map((_, i) => `sip:127.0.0.1:${WORKER_SIP + 2 * i}`).join(","),
          },
    );
    try {
      const phone = await SipTestPhone.start();
      const registered = await phone.register({
        server: `127.0.0.1:${ports.sip}`,
        user: "1001",
        password: "demo-1001",
        contact: `<sip:1001@127.0.0.1:${UAS_PORT}>`,
        expires: 3600,
      });
      if (registered.status !== 200) throw new Error(`REGISTER answered ${registered.status}`);
      for (const rate of rates) {
        const engine = await run(`127.0.0.1:${ports.sip}`, rate, dir, { launcher, engines });
        const reference = await run(`127.0.0.1:${UAS_PORT}`, rate, dir);
        results.push({ engine, reference });
        process.stderr.write(
          `workers ${workers ?? "launcher"} rate ${rate}: ${engine.successful}/${engine.attempted} ok\n`,
        );
      }
      await phone.close();
    } finally {
      await launcher.stop();
    }
  } finally {
    await stopEngines(engines);
  }
  const bestCps = Math.max(0, ...results.filter((r) => r.engine.failed === 0).map((r) => r.engine.cps));
  return { workers, loadAverageBefore, loadAverageAfter: loadAverage(), results, bestCps };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-call-setup-"));
const measured: WorkerResult[] = [];
for (const workers of workerCounts ?? [null]) measured.push(await measure(workers, dir));
// SIPp's stats and error logs of failed calls are kept to read why they failed.
if (measured.some((m) => m.results.some((r) => r.engine.failed > 0 || r.reference.failed > 0)))
  console.log(`SIPp stats and error logs kept in ${dir}`);
else fs.rmSync(dir, { recursive: true, force: true });

const fmt = (value: number | undefined, digits = 1) => (value === undefined ? "n/a" : value.toFixed(digits));
const rows = measured.flatMap(({ workers, results }) =>
  results.map(({ engine, reference }) => ({
    ...(workerCounts === undefined ? {} : { workers }),
    "rate (calls/s)": engine.rate,
    attempted: engine.attempted,
    "forkline ok": engine.successful,
    "forkline failed": engine.failed,
    "forkline calls/s": engine.cps.toFixed(1),
    "forkline setup ms": engine.avgSetupMs.toFixed(1),
    "stack CPU %": fmt(engine.stackCpuPercent),
    "engines CPU %": fmt(engine.enginesCpuPercent),
    "SIPp CPU %": fmt(engine.sippCpuPercent),
    "reference ok": reference.successful,
    "reference setup ms": reference.avgSetupMs.toFixed(1),
    "reference SIPp CPU %": fmt(reference.sippCpuPercent),
    "ok ratio": (engine.successful / Math.max(reference.successful, 1)).toFixed(2),
    "unexpected answers":
      engine.sippError ??
      Object.entries(engine.unexpected)
        .sort((x, y) => y[1] - x[1])
        .slice(0, 2)
        .map(([line, count]) => `${count}× ${line}`)
        .join(", "),
  })),
);
console.table(rows);
for (const { workers, bestCps, loadAverageBefore, loadAverageAfter } of measured) {
  console.log(
    `${workers === null ? "" : `${workers} worker${workers > 1 ? "s" : ""}: `}highest failure-free rate: ` +
      `${bestCps.toFixed(1)} calls/s (target ${TARGET_CPS}); load average ${loadAverageBefore} → ${loadAverageAfter}`,
  );
}
console.log(`load generator pinned to core 1: ${pin}; the stack not pinned`);
fs.mkdirSync(path.dirname(jsonPath), { recursive: true });
fs.writeFileSync(
  jsonPath,
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      seconds,
      pinned: pin,
      target: TARGET_CPS,
      cpus: os.cpus().length,
      // Without --workers, the former shape (results of the launcher's one engine) is kept.
      ...(workerCounts === undefined ? { results: measured[0]!.results } : { workers: measured }),
    },
    null,
    2,
  )}\n`,
);
console.log(`wrote ${jsonPath}`);
