/**
 * RTP relay benchmark: the media engine's bridged RtpEndpoints against a plain dgram relay, under
 * the same G.711 load. See bench/relay/README.md.
 *   npx tsx bench/relay/relay-bench.ts [--calls 100,300,700,1000] [--seconds 10] [--json bench/results/relay.json]
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { argValue, MessageReader, send, type LoadResult, type RelayTotals } from "./bench-protocol";

const args = process.argv.slice(2);
const callCounts = (argValue(args, "--calls") ?? "100,300,700,1000").split(",").map(Number);
const seconds = Number(argValue(args, "--seconds") ?? "10");
const warmupSeconds = Number(argValue(args, "--warmup") ?? "2");
const jsonPath = argValue(args, "--json") ?? "bench/results/relay.json";
const portRange = argValue(args, "--ports") ?? "20000-29999";
/** Writes a V8 CPU profile of each relay process into this folder, to see where its time goes. */
const profileDir = argValue(args, "--profile");
const here = path.dirname(new URL(import.meta.url).pathname);

/** The issue's target, per media-engine core. */
const TARGET = { calls: 700, lossPercent: 0, p99Ms: 5 };

const pinning = spawnSync("taskset", ["-c", "0", "true"]).status === 0 && os.cpus().length >= 2;

type Mode = "engine" | "reference";
type RunResult = LoadResult & { relayCpuPercent: number; relay?: RelayTotals };

function child(
  script: string,
  scriptArgs: string[],
  core: number,
  nodeArgs: string[] = [],
): ChildProcessWithoutNullStreams {
  const node = [process.execPath, ...nodeArgs, "--import", "tsx", path.join(here, script), ...scriptArgs];
  const [command, ...commandArgs] = pinning ? ["taskset", "-c", String(core), ...node] : node;
  return spawn(command!, commandArgs, { stdio: ["pipe", "pipe", "pipe"] });
}

function forwardStderr(name: string, proc: ChildProcessWithoutNullStreams): void {
  proc.stderr.on("data", (chunk: Buffer) => process.stderr.write(`[${name}] ${chunk.toString()}`));
}

async function runOnce(mode: Mode, calls: number): Promise<RunResult> {
  const server = child(
    "relay-server.ts",
    ["--mode", mode, "--calls", String(calls), "--ports", portRange],
    0,
    profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
  );
  const generator = child("load-generator.ts", [], 1);
  forwardStderr(`${mode} relay`, server);
  forwardStderr("load", generator);
  const fromServer = new MessageReader(server.stdout);
  const fromGenerator = new MessageReader(generator.stdout);
  try {
    const { ports } = await fromServer.next("legs");
    send(
      {
        type: "run",
        legs: ports,
        warmupMs: warmupSeconds * 1000,
        measureMs: seconds * 1000,
        drainMs: 1000,
      },
      generator.stdin,
    );
    const { ports: phones } = await fromGenerator.next("phones");
    send({ type: "remotes", phones }, server.stdin);
    await fromServer.next("joined");
    send({ type: "go" }, generator.stdin);
    await fromGenerator.next("measuring", (warmupSeconds + 30) * 1000);
    send({ type: "cpu-start" }, server.stdin);
    await fromGenerator.next("measured", (seconds + 30) * 1000);
    send({ type: "cpu-stop" }, server.stdin);
    const cpu = await fromServer.next("cpu");
    const { result } = await fromGenerator.next("result");
    return { ...result, relayCpuPercent: cpu.percent, relay: cpu.relay };
  } finally {
    server.stdin.end();
    generator.stdin.end();
    await Promise.all([exited(server), exited(generator)]);
  }
}

function exited(proc: ChildProcessWithoutNullStreams): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
    proc.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

const fmt = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");

console.log(
  `RTP relay bench: ${seconds} s measured after ${warmupSeconds} s warm-up per run, G.711 20 ms, ` +
    (pinning ? "relay on core 0, load on core 1" : "NOT pinned (taskset or a second core missing)"),
);
const rows: {
  calls: number;
  engine: RunResult;
  reference: RunResult;
  p99Ratio: number;
  meetsTarget: boolean;
}[] = [];
const header = [
  "calls",
  "engine loss %",
  "engine p50 ms",
  "engine p99 ms",
  "ref loss %",
  "ref p50 ms",
  "ref p99 ms",
  "p99 eng/ref",
  "engine CPU %",
  "ref CPU %",
  "load CPU %",
];
console.log(header.join(" | "));
for (const calls of callCounts) {
  const engine = await runOnce("engine", calls);
  const reference = await runOnce("reference", calls);
  const p99Ratio = engine.p99Ms / reference.p99Ms;
  const meetsTarget =
    engine.lossPercent <= TARGET.lossPercent && engine.p99Ms <= TARGET.p99Ms && engine.misrouted === 0;
  rows.push({ calls, engine, reference, p99Ratio, meetsTarget });
  console.log(
    [
      String(calls),
      fmt(engine.lossPercent, 3),
      fmt(engine.p50Ms),
      fmt(engine.p99Ms),
      fmt(reference.lossPercent, 3),
      fmt(reference.p50Ms),
      fmt(reference.p99Ms),
      fmt(p99Ratio),
      fmt(engine.relayCpuPercent, 1),
      fmt(reference.relayCpuPercent, 1),
      fmt(Math.max(engine.generatorCpuPercent, reference.generatorCpuPercent), 1),
    ].join(" | "),
  );
  for (const [name, run] of [
    ["engine", engine],
    ["reference", reference],
  ] as const) {
    if (run.misrouted > 0) console.log(`  ! ${name}: ${run.misrouted} packets reached the wrong phone`);
    if (run.generatorCpuPercent > 85 || run.maxSendLagMs > 10) {
      console.log(
        `  ! ${name}: load generator saturated (CPU ${fmt(run.generatorCpuPercent, 1)} %, send lag up to ` +
          `${fmt(run.maxSendLagMs)} ms): figures at this call count measure the generator too`,
      );
    }
  }
}

const atTarget = rows.filter((r) => r.calls >= TARGET.calls);
const verdict =
  atTarget.length === 0
    ? `target (≥ ${TARGET.calls} calls, 0 loss, p99 ≤ ${TARGET.p99Ms} ms) not exercised: add --calls ${TARGET.calls}`
    : atTarget.every((r) => r.meetsTarget)
      ? `target met: 0 loss and p99 ≤ ${TARGET.p99Ms} ms up to ${Math.max(...atTarget.map((r) => r.calls))} calls`
      : `target missed at ${atTarget
          .filter((r) => !r.meetsTarget)
          .map((r) => r.calls)
          .join(", ")} calls`;
console.log(verdict);

fs.mkdirSync(path.dirname(path.resolve(jsonPath)), { recursive: true });
fs.writeFileSync(
  jsonPath,
  `${JSON.stringify(
    {
      benchmark: "relay",
      date: new Date().toISOString(),
      machine: {
        cpu: os.cpus()[0]?.model,
        cores: os.cpus().length,
        platform: `${os.platform()} ${os.release()}`,
      },
      node: process.version,
      pinned: pinning,
      seconds,
      warmupSeconds,
      target: TARGET,
      verdict,
      rows,
    },
    null,
    2,
  )}\n`,
);
console.log(`JSON written to ${jsonPath}`);
