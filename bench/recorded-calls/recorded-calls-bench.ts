/**
 * Recorded calls per media-engine core (issue 16 §1). Each call: two parties sending 50 packets/s
 * of 160-byte G.711 each, relayed both ways, and one recording of both parties' streams sent to a
 * SIPREC recorder (100 packets/s in, 200 out per call). Under the same load, in the same run:
 *   forkline   the real media engine process (media-engine/main.ts), driven over SIP + MSML by
 *              MediaEnginePool as the server drives it; a SIPREC recorder stub in this process
 *              answers with the sink's ports (and the sink sends RTCP receiver reports);
 *   node       a plain Node dgram relay that copies both directions to the sink;
 *   c          a C relay (epoll + recvmmsg/sendmmsg) built now with `cc -O2`, the yardstick;
 *   rtpengine  Sipwise rtpengine in userspace, one worker thread (when installed).
 * Every relay is pinned to core 0; the C load generator + sink (load-sink.c) to core 1.
 *   npx tsx bench/recorded-calls/recorded-calls-bench.ts [--calls 100,150,187] [--seconds 10]
 *     [--warmup 2] [--repeat 1] [--relays forkline,node,c,rtpengine] [--dtmf-mask events+inband|events|off]
 *     [--json bench/results/recorded-calls.json]
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { DEFAULT_DTMF_MASKING, DTMF_MASKING_MODES, type DtmfMasking } from "../../protocol/msml";
import {
  benchArg,
  buildC,
  CpuWindow,
  loadAverage,
  loopDelay,
  OthersCpuWindow,
  machine,
  MAX_LOAD_CALLS,
  PINNED,
  sleep,
  tempDir,
} from "./bench-machine";
import { EngineUnderTest } from "./engine-recorded-calls";
import { LoadSink, type Continuity, type Latency } from "./load-sink-process";
import { RecorderStub } from "./recorder-stub";
import { ReferenceRelayProcess } from "./reference-relay-process";
import { RTPENGINE_INSTALL, rtpengineBinary, RtpengineRelay } from "./rtpengine-relay";

const loads = (benchArg("--calls") ?? "100,150,187").split(",").map(Number);
const seconds = Number(benchArg("--seconds") ?? "10");
const warmupSeconds = Number(benchArg("--warmup") ?? "2");
const repeat = Number(benchArg("--repeat") ?? "1");
const jsonPath = benchArg("--json") ?? "bench/results/recorded-calls.json";
const relayNames = (benchArg("--relays") ?? "forkline,node,c,rtpengine").split(",") as RelayName[];
/** The engine's DTMF masking of recorded copies; the server's default unless given. */
const dtmfMasking = (benchArg("--dtmf-mask") ?? DEFAULT_DTMF_MASKING) as DtmfMasking;
if (!DTMF_MASKING_MODES.includes(dtmfMasking))
  throw new Error(`--dtmf-mask: one of ${DTMF_MASKING_MODES.join(", ")}`);

type RelayName = "forkline" | "node" | "c" | "rtpengine";

/** A relay set up for `calls` calls: its pid (for CPU) and where each call's phones send. */
type RelayUnderTest = {
  pid: number;
  legPorts(call: number): [number, number];
  stop(): Promise<void>;
  /** Recording events that say something went wrong (the engine only). */
  trouble?(): string[];
};

type Run = {
  calls: number;
  relay: RelayName;
  loadAverageBefore: number;
  loadAverageAfter: number;
  /** CPU % (100 = one core) used by other processes than the relay, the sink and this one. */
  othersCpuPercent?: number;
  /** This process's (controller + recorder stub) event-loop delay over the measured window. */
  benchLoopDelay?: { p99Ms: number; maxMs: number };
  error?: string;
  setupSeconds?: number;
  cpuPercent?: number;
  sent?: number;
  relayed?: number;
  recorder?: number;
  misrouted?: number;
  relayedLossPercent?: number;
  recorderLossPercent?: number;
  relayedMs?: Latency;
  recorderMs?: Latency;
  continuity?: Continuity;
  generatorCpuPercent?: number;
  maxSendLagMs?: number;
  /** Recording events other than started/stopped (the engine lost its recorder…): must be none. */
  engineTrouble?: string[];
};

// This process plays the SIP Server and the recorder (SIP only): on the load's core, so that core
// 0 holds the relay under test alone.
if (PINNED) spawnSync("taskset", ["-cp", "1", String(process.pid)]);
const dir = tempDir();
const loadSinkBinary = buildC("load-sink", dir);
const cRelayBinary = buildC("c-relay", dir);
const rtpengine = rtpengineBinary();
if (rtpengine === undefined && relayNames.includes("rtpengine")) {
  console.log(`rtpengine not installed: skipped. To compare with it: ${RTPENGINE_INSTALL}`);
}
const recorder = await RecorderStub.start();

async function setUp(relay: RelayName, calls: number): Promise<RelayUnderTest> {
  if (relay === "forkline") {
    const engine = await EngineUnderTest.start();
    try {
      await engine.openRecordedCalls(calls, recorder.uri, dtmfMasking);
    } catch (error) {
      await engine.stop();
      throw error;
    }
    return {
      pid: engine.pid,
      legPorts: (call) => [engine.calls[call]!.portA, engine.calls[call]!.portB],
      stop: () => engine.stop(),
      trouble: () => engine.troubleEvents(),
    };
  }
  if (relay === "rtpengine") {
    const engine = await RtpengineRelay.start(rtpengine!, dir);
    try {
      await engine.setUp(calls);
    } catch (error) {
      await engine.stop();
      throw error;
    }
    return { pid: engine.pid, legPorts: (call) => engine.legPorts(call), stop: () => engine.stop() };
  }
  const process = await ReferenceRelayProcess.start(relay === "c" ? cRelayBinary : undefined, calls);
  await process.join();
  return { pid: process.pid, legPorts: (call) => process.legPorts(call), stop: () => process.stop() };
}

async function runOnce(relay: RelayName, calls: number): Promise<Run> {
  const run: Run = { calls, relay, loadAverageBefore: loadAverage(), loadAverageAfter: 0 };
  if (calls > MAX_LOAD_CALLS) {
    run.error = `more than ${MAX_LOAD_CALLS} calls do not fit the load generator's ports`;
    return run;
  }
  // The engine's recorder watch judges a recorder by its RTCP receiver reports once it sent one.
  let sink: LoadSink;
  try {
    sink = await LoadSink.startRetrying(loadSinkBinary, calls, relay === "forkline");
  } catch (error) {
    run.error = (error as Error).message;
    run.loadAverageAfter = loadAverage();
    return run;
  }
  let underTest: RelayUnderTest | undefined;
  try {
    const setupStart = performance.now();
    underTest = await setUp(relay, calls);
    run.setupSeconds = Number(((performance.now() - setupStart) / 1000).toFixed(1));
    for (let call = 0; call < calls; call++) sink.legs(call, ...underTest.legPorts(call));
    sink.start();
    await sleep(warmupSeconds * 1000);
    const cpu = new CpuWindow(underTest.pid);
    const others = new OthersCpuWindow([underTest.pid, sink.pid, process.pid]);
    const benchLoop = loopDelay();
    sink.tag(1);
    await sleep(seconds * 1000);
    sink.tag(0);
    run.cpuPercent = Number(cpu.percent().toFixed(1));
    run.othersCpuPercent = Number(others.percent().toFixed(1));
    run.benchLoopDelay = benchLoop();
    // Unmeasured packets keep flowing while the last measured ones drain through the relay.
    await sleep(500);
    const report = await sink.report();
    const measured = report.tags[0]!;
    Object.assign(run, {
      sent: measured.sent,
      relayed: measured.relayed,
      recorder: measured.recorder,
      misrouted: measured.misrouted,
      relayedLossPercent: lossPercent(measured.sent, measured.relayed),
      recorderLossPercent: lossPercent(measured.sent, measured.recorder),
      relayedMs: measured.relayedMs,
      recorderMs: measured.recorderMs,
      continuity: report.continuity,
      generatorCpuPercent: report.generatorCpuPercent,
      maxSendLagMs: report.maxSendLagMs,
    });
    if (underTest.trouble) run.engineTrouble = underTest.trouble();
  } catch (error) {
    run.error = (error as Error).message;
  } finally {
    await sink.stop();
    await underTest?.stop();
    run.loadAverageAfter = loadAverage();
  }
  return run;
}

const lossPercent = (sent: number, received: number) =>
  sent > 0 ? Number(((100 * Math.max(0, sent - received)) / sent).toFixed(3)) : 0;
const fmt = (value: number | undefined, digits = 2) =>
  value === undefined || !Number.isFinite(value) || value < 0 ? "n/a" : value.toFixed(digits);

console.log(
  `Recorded calls: ${seconds} s measured after ${warmupSeconds} s warm-up per run; ` +
    (PINNED
      ? "relay on core 0, load generator + sink on core 1"
      : "NOT pinned (taskset or a 2nd core missing)"),
);
const runs: (Run & { repetition: number })[] = [];
for (const calls of loads) {
  // Repetitions interleave the relays, so that a busy minute on a shared machine falls on all.
  for (let repetition = 1; repetition <= repeat; repetition++) {
    for (const relay of relayNames) {
      if (relay === "rtpengine" && rtpengine === undefined) continue;
      const run = { ...(await runOnce(relay, calls)), repetition };
      runs.push(run);
      process.stderr.write(`${calls} ${relay} #${repetition}: ${run.error ?? `${run.cpuPercent} % CPU`}\n`);
    }
  }
}
await recorder.close();
fs.rmSync(dir, { recursive: true, force: true });

const rows = runs.map((run) => {
  const c = runs.find((r) => r.calls === run.calls && r.relay === "c" && r.repetition === run.repetition);
  const violations = run.continuity
    ? run.continuity.ssrcChanges + run.continuity.seqGaps + run.continuity.tsJumps
    : undefined;
  return {
    calls: run.calls,
    relay: run.relay,
    "#": run.repetition,
    "CPU %": run.error ? `error: ${run.error}` : fmt(run.cpuPercent, 1),
    "CPU ÷ C": fmt(run.cpuPercent !== undefined && c?.cpuPercent ? run.cpuPercent / c.cpuPercent : undefined),
    "relayed loss %": fmt(run.relayedLossPercent, 3),
    "recorder loss %": fmt(run.recorderLossPercent, 3),
    "relayed p50/p99/p99.9 ms": run.relayedMs
      ? `${fmt(run.relayedMs.p50)}/${fmt(run.relayedMs.p99)}/${fmt(run.relayedMs.p999)}`
      : "n/a",
    "recorder p50/p99/p99.9 ms": run.recorderMs
      ? `${fmt(run.recorderMs.p50)}/${fmt(run.recorderMs.p99)}/${fmt(run.recorderMs.p999)}`
      : "n/a",
    "continuity violations": violations ?? "n/a",
    "load CPU %": fmt(run.generatorCpuPercent, 1),
    "others CPU %": fmt(run.othersCpuPercent, 1),
    "loadavg before/after": `${run.loadAverageBefore}/${run.loadAverageAfter}`,
  };
});
console.table(rows);
const median = (values: number[]) => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const middle = sorted.length / 2;
  // An even count (two repetitions) takes the mean of the middle two, not the lower one.
  return Number.isInteger(middle) ? (sorted[middle - 1]! + sorted[middle]!) / 2 : sorted[Math.floor(middle)];
};
const summary = loads.flatMap((calls) => {
  const cpuOf = (relay: RelayName) =>
    median(
      runs
        .filter((r) => r.calls === calls && r.relay === relay && r.cpuPercent !== undefined)
        .map((r) => r.cpuPercent!),
    );
  const c = cpuOf("c");
  return relayNames
    .filter((relay) => relay !== "rtpengine" || rtpengine !== undefined)
    .map((relay) => {
      const mine = runs.filter((r) => r.calls === calls && r.relay === relay && r.error === undefined);
      const cpu = cpuOf(relay);
      return {
        calls,
        relay,
        runs: mine.length,
        "median CPU %": fmt(cpu, 1),
        "÷ C relay": fmt(cpu !== undefined && c ? cpu / c : undefined),
        "÷ Node relay": fmt(cpu !== undefined && cpuOf("node") ? cpu / cpuOf("node")! : undefined),
        "worst relayed loss %": fmt(Math.max(...mine.map((r) => r.relayedLossPercent ?? 0)), 3),
        "worst recorder loss %": fmt(Math.max(...mine.map((r) => r.recorderLossPercent ?? 0)), 3),
        "median relayed p99 ms": fmt(median(mine.map((r) => r.relayedMs?.p99 ?? NaN))),
        "median recorder p99 ms": fmt(median(mine.map((r) => r.recorderMs?.p99 ?? NaN))),
        errors: runs.filter((r) => r.calls === calls && r.relay === relay && r.error).length,
      };
    });
});
if (repeat > 1) console.table(summary);
for (const run of runs) {
  if (run.misrouted)
    console.log(`! ${run.calls} ${run.relay}: ${run.misrouted} packets reached the wrong phone`);
  if (run.engineTrouble?.length) console.log(`! ${run.calls} ${run.relay}: ${run.engineTrouble.join("; ")}`);
  if ((run.maxSendLagMs ?? 0) > 10)
    console.log(`! ${run.calls} ${run.relay}: load generator late by up to ${fmt(run.maxSendLagMs)} ms`);
}
fs.mkdirSync(path.dirname(path.resolve(jsonPath)), { recursive: true });
fs.writeFileSync(
  jsonPath,
  `${JSON.stringify(
    {
      benchmark: "recorded-calls",
      date: new Date().toISOString(),
      machine: machine(),
      pinned: PINNED,
      seconds,
      warmupSeconds,
      dtmfMasking,
      rtpengine: rtpengine ?? null,
      repeat,
      summary,
      rows,
      runs,
    },
    null,
    2,
  )}\n`,
);
console.log(`JSON written to ${jsonPath}`);
