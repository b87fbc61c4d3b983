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
 *
 * `--engines 1,2,4` (issue 14, issue 16 §5): the Forkline engine as 1, 2 or 4 engine processes at
 * each load, calls round-robin over them (each its own SIP port and RTP slice, the recorder stub
 * shared), CPU summed over the engines; the reference relays given by --relays (default: c) run
 * at the same loads as the noise yardstick. One engine is pinned to core 0 with the generator on
 * core 1 as above; 2+ engines, the generator and this process are all left unpinned on both cores
 * (pinning an engine beside the generator would leave one core half idle), so the generator's and
 * this process's CPU are reported beside the engines'. Prints, per engine count, the most calls
 * carried with 0 loss and relayed p99 ≤ --p99-ms (default 5), and the ratio to one engine. An
 * engine count is not tried at higher loads after two loads in a row lost packets.
 *   npx tsx bench/recorded-calls/recorded-calls-bench.ts [--calls 100,150,187] [--seconds 10]
 *     [--warmup 2] [--repeat 1] [--relays forkline,forkline-srtp,forkline-nomask,node,c,rtpengine] [--dtmf-mask events+inband|events|off]
 *     [--engines 1,2,4] [--p99-ms 5] [--rtcp-mux on|off] [--srtp] [--cpu-prof dir]
 *     [--json bench/results/recorded-calls.json]
 */
import fs from "node:fs";
import path from "node:path";
import { DEFAULT_DTMF_MASKING, DTMF_MASKING_MODES, type DtmfMasking } from "../../protocol/msml";
import {
  benchArg,
  buildC,
  CpuWindow,
  loadAverage,
  enginePorts,
  loopDelay,
  OthersCpuWindow,
  machine,
  PINNED,
  placeThisProcess,
  sleep,
  STANDARD_LAYOUT,
  tempDir,
  WIDE_LAYOUT,
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
/** Engine process counts to compare (issue 14); undefined: the single-engine comparison. */
const engineCounts = benchArg("--engines")?.split(",").map(Number);
const p99LimitMs = Number(benchArg("--p99-ms") ?? "5");
const layout = engineCounts === undefined ? STANDARD_LAYOUT : WIDE_LAYOUT;
/** The most calls the load generator's port block holds. */
const maxLoadCalls = Math.floor((layout.loadMax - layout.loadBase + 1) / 6);
const relayNames = (
  benchArg("--relays") ?? (engineCounts === undefined ? "forkline,node,c,rtpengine" : "c")
).split(",") as RelayName[];
// rtpengine's range is the standard engine range, inside the wide layout's engine range.
if (engineCounts !== undefined && relayNames.includes("rtpengine"))
  throw new Error("--engines: rtpengine is not a reference here (its ports overlap the engines' wide range)");
/** The engine's DTMF masking of recorded copies; the server's default unless given. */
const dtmfMasking = (benchArg("--dtmf-mask") ?? DEFAULT_DTMF_MASKING) as DtmfMasking;
/**
 * `--rtcp-mux off`: the phones do not offer a=rtcp-mux and the recorder stub does not accept it
 * (8 ports per recorded call, as before issue 16 §3); on by default: 4 ports per call.
 */
const rtcpMux = (benchArg("--rtcp-mux") ?? "on") !== "off";
/**
 * `--cpu-prof <dir>`: each Forkline engine process writes a V8 CPU profile there when it stops
 * (`node --cpu-prof`); read the top functions with bench/recorded-calls/cpu-profile-top.ts.
 */
const cpuProfDir = benchArg("--cpu-prof");
/**
 * `--baseline <dir>`: another checkout of Forkline (e.g. `git archive <commit> | tar -x -C <dir>`
 * with a node_modules link), whose media engine runs as relay "baseline" beside this one's under
 * the same load in the same run: each CPU change measured against the code before it.
 */
const baselineRoot = benchArg("--baseline");
/** `--srtp`: SRTP (SDES) on every recording stream, the engine encrypting (issue 15's SRTP cost). */
const srtp = process.argv.includes("--srtp");
if (!DTMF_MASKING_MODES.includes(dtmfMasking))
  throw new Error(`--dtmf-mask: one of ${DTMF_MASKING_MODES.join(", ")}`);

/**
 * `forkline-srtp`: the engine with SDES-SRTP on both parties' legs and on the recording streams
 * (issue 15's SRTP cost; the sink, built with libsrtp2, protects what the phones send and
 * unprotects what they and the recorder get); `forkline-nomask`: the engine with DTMF masking off
 * (the masking's cost against `forkline`, which masks as --dtmf-mask says).
 */
type RelayName = "forkline" | "forkline-srtp" | "forkline-nomask" | "baseline" | "node" | "c" | "rtpengine";
const isEngine = (relay: RelayName) =>
  relay === "forkline" || relay === "forkline-srtp" || relay === "forkline-nomask" || relay === "baseline";
const LIBSRTP_INSTALL = "DEBIAN_FRONTEND=noninteractive apt-get install -y libsrtp2-dev";
let srtpSinkBinary: string | undefined;
/** The sink built with SRTP (libsrtp2), the first time a run needs it. */
function srtpSink(): string {
  if (!fs.existsSync("/usr/include/srtp2/srtp.h"))
    throw new Error(`forkline-srtp needs libsrtp2 for the load generator: ${LIBSRTP_INSTALL}`);
  srtpSinkBinary ??= buildC("load-sink", dir, { suffix: "srtp", defines: ["WITH_SRTP"], libs: ["srtp2"] });
  return srtpSinkBinary;
}

/** A relay set up for `calls` calls: its pid (for CPU) and where each call's phones send. */
type RelayUnderTest = {
  /** Every process of the relay (one, or one per engine). */
  pids: number[];
  legPorts(call: number): [number, number];
  stop(): Promise<void>;
  /** Recording events that say something went wrong (the engine only). */
  trouble?(): string[];
  /** RTP ports the engines hold, from their forkline_media_rtp_ports_in_use (the engine only). */
  portsInUse?(): Promise<number>;
  /** SRTP keys (hex) of a call: per party its phone's and the engine's, per recording stream the engine's. */
  keysOf?(call: number): { legs: { phone: string; engine: string }[]; streams: string[] } | undefined;
};

type Run = {
  calls: number;
  relay: RelayName;
  /** Forkline engine processes (with --engines). */
  engines?: number;
  /** Where the relay, the load and this process ran. */
  placement: string;
  loadAverageBefore: number;
  loadAverageAfter: number;
  /** CPU % (100 = one core) used by other processes than the relay, the sink and this one. */
  othersCpuPercent?: number;
  /** This process's (controller + recorder stub) event-loop delay over the measured window. */
  benchLoopDelay?: { p99Ms: number; maxMs: number };
  error?: string;
  setupSeconds?: number;
  /** The relay's CPU, summed over its processes (100 = one core). */
  cpuPercent?: number;
  /** Per engine process, with several engines. */
  engineCpuPercents?: number[];
  /** This process (the SIP Server's controller and the recorder stub). */
  benchCpuPercent?: number;
  sent?: number;
  relayed?: number;
  recorder?: number;
  misrouted?: number;
  /** SRTP packets the sink could not authenticate (forkline-srtp): must be 0. */
  unprotectFailed?: number;
  relayedLossPercent?: number;
  recorderLossPercent?: number;
  relayedMs?: Latency;
  recorderMs?: Latency;
  continuity?: Continuity;
  generatorCpuPercent?: number;
  maxSendLagMs?: number;
  /** Recording events other than started/stopped (the engine lost its recorder…): must be none. */
  engineTrouble?: string[];
  /** RTP ports per recorded call the engines held once every recording had started. */
  portsPerCall?: number;
};

// This process plays the SIP Server and the recorder (SIP only): on the load's core, so that core
// 0 holds the relay under test alone (runs of several engines place it anew).
placeThisProcess(1);
const dir = tempDir();
const loadSinkBinary = buildC("load-sink", dir);
const cRelayBinary = buildC("c-relay", dir);
const rtpengine = rtpengineBinary();
if (rtpengine === undefined && relayNames.includes("rtpengine")) {
  console.log(`rtpengine not installed: skipped. To compare with it: ${RTPENGINE_INSTALL}`);
}
const recorder = await RecorderStub.start(layout.loadBase, rtcpMux);

/** Several engines spread over both cores with everything else; else the relay alone on core 0. */
const spread = (relay: RelayName, engines: number) => relay === "forkline" && engines > 1;

async function setUp(relay: RelayName, calls: number, engines: number): Promise<RelayUnderTest> {
  if (isEngine(relay)) {
    if (relay === "baseline" && baselineRoot === undefined)
      throw new Error("relay baseline needs --baseline <dir>");
    const engine = await EngineUnderTest.start({
      ...(relay === "baseline" ? { root: path.resolve(baselineRoot!) } : {}),
      engines: enginePorts(engines, engineCounts !== undefined),
      core: spread(relay, engines) ? undefined : 0,
      loadBase: layout.loadBase,
      ...(cpuProfDir === undefined
        ? {}
        : { nodeArgs: ["--cpu-prof", "--cpu-prof-dir", path.resolve(cpuProfDir, relay)] }),
    });
    try {
      await engine.openRecordedCalls(
        calls,
        recorder.uri,
        relay === "forkline-nomask" ? "off" : dtmfMasking,
        16,
        srtp || relay === "forkline-srtp" ? "required" : "off",
        rtcpMux,
        0,
        relay === "forkline-srtp",
      );
    } catch (error) {
      await engine.stop();
      throw error;
    }
    const ports = enginePorts(engines, engineCounts !== undefined);
    return {
      pids: engine.pids,
      legPorts: (call) => [engine.calls[call]!.portA, engine.calls[call]!.portB],
      stop: () => engine.stop(),
      trouble: () => engine.troubleEvents(),
      keysOf: (call) => {
        const legs = engine.calls[call]!.keys;
        const streams = recorder.engineKeys.get(call);
        return legs === undefined || streams === undefined ? undefined : { legs, streams };
      },
      portsInUse: async () => {
        const counts = await Promise.all(
          ports.map(async ({ http }) => {
            const metrics = await (await fetch(`http://127.0.0.1:${http}/metrics`)).text();
            return Number(/^forkline_media_rtp_ports_in_use (\d+)$/m.exec(metrics)?.[1]);
          }),
        );
        return counts.reduce((sum, count) => sum + count, 0);
      },
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
    return { pids: [engine.pid], legPorts: (call) => engine.legPorts(call), stop: () => engine.stop() };
  }
  const process = await ReferenceRelayProcess.start(relay === "c" ? cRelayBinary : undefined, calls, layout);
  await process.join();
  return { pids: [process.pid], legPorts: (call) => process.legPorts(call), stop: () => process.stop() };
}

async function runOnce(relay: RelayName, calls: number, engines = 1): Promise<Run> {
  const spreadOut = spread(relay, engines);
  const run: Run = {
    calls,
    relay,
    ...(engineCounts !== undefined && relay === "forkline" ? { engines } : {}),
    placement: !PINNED
      ? "not pinned"
      : spreadOut
        ? "all unpinned (engines, generator, bench)"
        : "relay core 0, generator + bench core 1",
    loadAverageBefore: loadAverage(),
    loadAverageAfter: 0,
  };
  if (calls > maxLoadCalls) {
    run.error = `more than ${maxLoadCalls} calls do not fit the load generator's ports`;
    return run;
  }
  placeThisProcess(spreadOut ? undefined : 1);
  // The engine's recorder watch judges a recorder by its RTCP receiver reports once it sent one.
  let sink: LoadSink;
  try {
    // Receiver reports in clear would be refused on SRTP recording streams (RFC 3711 §3.4: SRTCP).
    const binary = relay === "forkline-srtp" ? srtpSink() : loadSinkBinary;
    sink = await LoadSink.startRetrying(
      binary,
      calls,
      isEngine(relay) && relay !== "forkline-srtp" && !srtp,
      {
        loadBase: layout.loadBase,
        core: spreadOut ? undefined : 1,
        rtcpMux: rtcpMux && isEngine(relay),
      },
    );
  } catch (error) {
    run.error = (error as Error).message;
    run.loadAverageAfter = loadAverage();
    return run;
  }
  let underTest: RelayUnderTest | undefined;
  try {
    const setupStart = performance.now();
    underTest = await setUp(relay, calls, engines);
    run.setupSeconds = Number(((performance.now() - setupStart) / 1000).toFixed(1));
    if (underTest.portsInUse) run.portsPerCall = Number(((await underTest.portsInUse()) / calls).toFixed(2));
    for (let call = 0; call < calls; call++) {
      sink.legs(call, ...underTest.legPorts(call));
      if (relay !== "forkline-srtp") continue;
      const keys = underTest.keysOf?.(call);
      if (keys === undefined) throw new Error(`call ${call}: no SRTP keys on its legs or recording streams`);
      keys.legs.forEach((leg, party) => sink.keys(call, party as 0 | 1, leg.phone, leg.engine));
      keys.streams.forEach((key, stream) => sink.streamKey(call, stream as 0 | 1, key));
    }
    sink.start();
    await sleep(warmupSeconds * 1000);
    const cpu = new CpuWindow(underTest.pids);
    const benchCpu = new CpuWindow(process.pid);
    const others = new OthersCpuWindow([...underTest.pids, sink.pid, process.pid]);
    const benchLoop = loopDelay();
    sink.tag(1);
    await sleep(seconds * 1000);
    sink.tag(0);
    const each = cpu.each();
    run.cpuPercent = Number(each.reduce((sum, value) => sum + value, 0).toFixed(1));
    if (each.length > 1) run.engineCpuPercents = each.map((value) => Number(value.toFixed(1)));
    run.benchCpuPercent = Number(benchCpu.percent().toFixed(1));
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
      unprotectFailed: measured.unprotectFailed,
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
      ? "relay on core 0, load generator + sink on core 1" +
        (engineCounts === undefined ? "" : "; 2+ engines: engines, generator and bench all unpinned")
      : "NOT pinned (taskset or a 2nd core missing)"),
);

const violationsOf = (run: Run) =>
  run.continuity ? run.continuity.ssrcChanges + run.continuity.seqGaps + run.continuity.tsJumps : undefined;
/**
 * Carried: every packet relayed and copied, every recorder stream continuous, no recording
 * trouble; `strict` also wants relayed p99 ≤ --p99-ms. The recorder copies' p99 is not judged: the
 * default DTMF masking holds each copy back ~20 ms by design.
 */
function carried(run: Run, strict: boolean): boolean {
  return (
    run.error === undefined &&
    run.relayedLossPercent === 0 &&
    run.recorderLossPercent === 0 &&
    !run.misrouted &&
    !run.unprotectFailed &&
    violationsOf(run) === 0 &&
    !run.engineTrouble?.length &&
    (!strict || (run.relayedMs !== undefined && run.relayedMs.p99 >= 0 && run.relayedMs.p99 <= p99LimitMs))
  );
}

const runs: (Run & { repetition: number })[] = [];
/** Per engine count, the loads in a row that it did not carry (2: not tried higher). */
const failedInARow = new Map<number, number>();
for (const calls of loads) {
  const references = relayNames
    .filter((relay) => relay !== "rtpengine" || rtpengine !== undefined)
    .filter((relay) => engineCounts === undefined || relay !== "forkline")
    .map((relay) => ({ relay, engines: 1 }));
  const engineSlots = (engineCounts ?? [])
    .filter((engines) => (failedInARow.get(engines) ?? 0) < 2)
    .map((engines) => ({ relay: "forkline" as RelayName, engines }));
  // Repetitions interleave the relays, so that a busy minute on a shared machine falls on all.
  for (let repetition = 1; repetition <= repeat; repetition++) {
    for (const { relay, engines } of [...references, ...engineSlots]) {
      const run = { ...(await runOnce(relay, calls, engines)), repetition };
      runs.push(run);
      const name = run.engines === undefined ? relay : `${relay}×${engines}`;
      process.stderr.write(`${calls} ${name} #${repetition}: ${run.error ?? `${run.cpuPercent} % CPU`}\n`);
    }
  }
  for (const { engines } of engineSlots) {
    // A load sink that could not bind (another process held one of its ports) says nothing of the engines.
    const mine = runs.filter(
      (r) => r.calls === calls && r.engines === engines && !r.error?.startsWith("load-sink"),
    );
    if (mine.length === 0) continue;
    failedInARow.set(
      engines,
      mine.every((r) => carried(r, false)) ? 0 : (failedInARow.get(engines) ?? 0) + 1,
    );
  }
}
await recorder.close();
fs.rmSync(dir, { recursive: true, force: true });

const rows = runs.map((run) => {
  const c = runs.find((r) => r.calls === run.calls && r.relay === "c" && r.repetition === run.repetition);
  const violations = violationsOf(run);
  return {
    calls: run.calls,
    relay: run.relay,
    ...(engineCounts === undefined ? {} : { engines: run.engines ?? "–" }),
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
    "ports/call": run.portsPerCall ?? "–",
    "load CPU %": fmt(run.generatorCpuPercent, 1),
    ...(engineCounts === undefined ? {} : { "bench CPU %": fmt(run.benchCpuPercent, 1) }),
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
/** A relay, or with --engines Forkline on n engines ("forkline×2"): what the summaries compare. */
const keyOf = (run: Run) => (run.engines === undefined ? run.relay : `forkline×${run.engines}`);
const keys = [...new Set(runs.map(keyOf))];
const summary = loads.flatMap((calls) => {
  const cpuOf = (key: string) =>
    median(
      runs
        .filter((r) => r.calls === calls && keyOf(r) === key && r.cpuPercent !== undefined)
        .map((r) => r.cpuPercent!),
    );
  const c = cpuOf("c");
  return keys
    .filter((key) => runs.some((r) => r.calls === calls && keyOf(r) === key))
    .map((key) => {
      const mine = runs.filter((r) => r.calls === calls && keyOf(r) === key && r.error === undefined);
      const cpu = cpuOf(key);
      return {
        calls,
        relay: key,
        runs: mine.length,
        "median CPU %": fmt(cpu, 1),
        "÷ C relay": fmt(cpu !== undefined && c ? cpu / c : undefined),
        "÷ Node relay": fmt(cpu !== undefined && cpuOf("node") ? cpu / cpuOf("node")! : undefined),
        "worst relayed loss %": fmt(Math.max(...mine.map((r) => r.relayedLossPercent ?? 0)), 3),
        "worst recorder loss %": fmt(Math.max(...mine.map((r) => r.recorderLossPercent ?? 0)), 3),
        "median relayed p99 ms": fmt(median(mine.map((r) => r.relayedMs?.p99 ?? NaN))),
        "median recorder p99 ms": fmt(median(mine.map((r) => r.recorderMs?.p99 ?? NaN))),
        errors: runs.filter((r) => r.calls === calls && keyOf(r) === key && r.error).length,
      };
    });
});
if (repeat > 1) console.table(summary);

/**
 * --engines: per engine count, the most calls carried in every repetition (0 loss and p99 ≤ the
 * limit; 0 loss alone), with what the engines, the generator and this process cost at that load.
 */
const scaling = (engineCounts ?? []).map((engines) => {
  const mine = runs.filter((r) => r.engines === engines);
  const best = (strict: boolean) =>
    Math.max(
      0,
      ...loads.filter((calls) => {
        const atLoad = mine.filter((r) => r.calls === calls);
        return atLoad.length > 0 && atLoad.every((r) => carried(r, strict));
      }),
    );
  const strict = best(true);
  const lossFree = best(false);
  const at = (calls: number) => mine.filter((r) => r.calls === calls && r.error === undefined);
  const medianAt = (calls: number, value: (run: Run) => number | undefined) =>
    median(at(calls).map((r) => value(r) ?? NaN));
  return {
    engines,
    placement: mine[0]?.placement ?? "",
    maxCallsStrict: strict,
    maxCallsLossFree: lossFree,
    triedUpTo: Math.max(0, ...mine.map((r) => r.calls)),
    atLossFreeMax: {
      engineCpuPercent: medianAt(lossFree, (r) => r.cpuPercent),
      engineCpuPercents: at(lossFree)[0]?.engineCpuPercents,
      generatorCpuPercent: medianAt(lossFree, (r) => r.generatorCpuPercent),
      benchCpuPercent: medianAt(lossFree, (r) => r.benchCpuPercent),
      othersCpuPercent: medianAt(lossFree, (r) => r.othersCpuPercent),
      relayedP99Ms: medianAt(lossFree, (r) => r.relayedMs?.p99),
    },
  };
});
const one = scaling.find((s) => s.engines === 1);
const ratio = (a: number, b: number | undefined) => (b ? a / b : undefined);
if (scaling.length > 0) {
  console.table(
    scaling.map((s) => ({
      engines: s.engines,
      [`max calls, 0 loss + p99 ≤ ${p99LimitMs} ms`]: s.maxCallsStrict || "none",
      "÷ 1 engine": fmt(ratio(s.maxCallsStrict, one?.maxCallsStrict)),
      "max calls, 0 loss": s.maxCallsLossFree || "none",
      "÷ 1 engine ": fmt(ratio(s.maxCallsLossFree, one?.maxCallsLossFree)),
      "tried up to": s.triedUpTo,
      "engines CPU % there": fmt(s.atLossFreeMax.engineCpuPercent, 1),
      "per engine": s.atLossFreeMax.engineCpuPercents?.join(" / ") ?? "–",
      "load CPU %": fmt(s.atLossFreeMax.generatorCpuPercent, 1),
      "bench CPU %": fmt(s.atLossFreeMax.benchCpuPercent, 1),
      "others CPU %": fmt(s.atLossFreeMax.othersCpuPercent, 1),
      "relayed p99 ms": fmt(s.atLossFreeMax.relayedP99Ms),
      placement: s.placement,
    })),
  );
  const two = scaling.find((s) => s.engines === 2);
  if (two && one)
    console.log(
      `2 engines ÷ 1 engine: ${fmt(ratio(two.maxCallsStrict, one.maxCallsStrict))} at 0 loss + p99 ≤ ${p99LimitMs} ms, ` +
        `${fmt(ratio(two.maxCallsLossFree, one.maxCallsLossFree))} at 0 loss (issue 16 §5 wants ≥ 1.8; ` +
        "a ratio is bounded by the loads tried)",
    );
}
for (const run of runs) {
  const name = keyOf(run);
  if (run.misrouted) console.log(`! ${run.calls} ${name}: ${run.misrouted} packets reached the wrong phone`);
  if (run.unprotectFailed)
    console.log(
      `! ${run.calls} ${name}: ${run.unprotectFailed} SRTP packets did not authenticate at the sink`,
    );
  if (run.engineTrouble?.length) console.log(`! ${run.calls} ${name}: ${run.engineTrouble.join("; ")}`);
  if ((run.maxSendLagMs ?? 0) > 10)
    console.log(`! ${run.calls} ${name}: load generator late by up to ${fmt(run.maxSendLagMs)} ms`);
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
      srtp,
      rtcpMux,
      rtpengine: rtpengine ?? null,
      repeat,
      engineCounts: engineCounts ?? null,
      p99LimitMs,
      layout,
      scaling,
      summary,
      rows,
      runs,
    },
    null,
    2,
  )}\n`,
);
console.log(`JSON written to ${jsonPath}`);
