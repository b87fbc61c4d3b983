/**
 * Pause/resume burst (issue 16 §2): N recorded calls on the real media engine (pinned to core 0,
 * same set-up and load as recorded-calls-bench.ts), then all recordings paused in a burst and
 * resumed in a burst, by MSML <send event="pause|resume"> in INFO exactly as the server sends it
 * for a supervisor (controlRecordingOnEngine), `--in-flight` INFOs outstanding at a time.
 * Measured per round:
 *   - recorder packets received after the engine answered the pause (must be 0): the sink's
 *     kernel receive times against the time this process had the 200 (taken as it resolved, so
 *     a packet in the instant between the 200's arrival and its handling is not counted);
 *   - INFO → last recorder packet of the call (p50/p99), and INFO → a=inactive re-INVITE at the
 *     recorder;
 *   - relayed media p50/p99/p99.9 while the pause burst and the resume burst are in progress,
 *     against the steady window before them (same calls, same recordings, no control traffic).
 *   npx tsx bench/recorded-calls/pause-burst-bench.ts [--calls 187] [--rounds 3] [--seconds 5]
 *     [--in-flight 8] [--json bench/results/pause-burst.json]
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { DEFAULT_DTMF_MASKING } from "../../protocol/msml";
import { controlRecordingOnEngine } from "../../server/sip/media/recording-control";
import { percentile } from "../faults/fault-bench-support";
import {
  benchArg,
  buildC,
  CpuWindow,
  loadAverage,
  loopDelay,
  machine,
  OthersCpuWindow,
  PINNED,
  realtimeNs,
  sleep,
  tempDir,
} from "./bench-machine";
import { EngineUnderTest } from "./engine-recorded-calls";
import { LoadSink, type TagReport } from "./load-sink-process";
import { RecorderStub } from "./recorder-stub";

const calls = Number(benchArg("--calls") ?? "187");
const rounds = Number(benchArg("--rounds") ?? "3");
const seconds = Number(benchArg("--seconds") ?? "5");
const inFlight = Number(benchArg("--in-flight") ?? "8");
const jsonPath = benchArg("--json") ?? "bench/results/pause-burst.json";

/**
 * Sink tags (load-sink.c has 15): per round, its steady window, its pause burst and its resume
 * burst, so that a round disturbed by other work on the machine is told from a quiet one.
 */
const STEADY = 0;
const PAUSING = 1;
const RESUMING = 2;
const tagOf = (round: number, window: number) => 1 + 3 * round + window;
if (rounds > 5) throw new Error("--rounds: at most 5 (the sink's tags)");

if (PINNED) spawnSync("taskset", ["-cp", "1", String(process.pid)]);
const dir = tempDir();
const loadAverageBefore = loadAverage();
const recorder = await RecorderStub.start();
const sink = await LoadSink.startRetrying(buildC("load-sink", dir), calls, true);
const engine = await EngineUnderTest.start();

type Round = {
  pauseBurstMs: number;
  resumeBurstMs: number;
  /** Per call. */
  afterAnswer: number[];
  infoToLastPacketMs: number[];
  infoToInactiveReinviteMs: number[];
  infoToSendonlyReinviteMs: number[];
  engineCpuPercentDuringBursts: number;
  /** CPU % used by other processes than ours during the steady window and the bursts. */
  othersCpuPercent: number;
  /** This process's (controller + recorder stub) event-loop delay over the round. */
  benchLoopDelay: { p99Ms: number; maxMs: number };
};

/** Sends `action` to every call's recording, `inFlight` INFOs at a time; per call: sent and answered. */
async function burst(action: "pause" | "resume") {
  const sentNs: bigint[] = [];
  const sentMs: number[] = [];
  const answeredNs: bigint[] = [];
  let next = 0;
  const worker = async () => {
    while (next < calls) {
      const call = next++;
      const c = engine.calls[call]!;
      sentMs[call] = performance.now();
      sentNs[call] = realtimeNs();
      try {
        await controlRecordingOnEngine(engine.pool, c.legA, c.dialogId, action);
        answeredNs[call] = realtimeNs();
      } catch (error) {
        // Unanswered (408 after 32 s) or refused: counted; its packets are not judged.
        failed.push(`${action} ${call}: ${(error as Error).message}`);
        answeredNs[call] = 0n;
      }
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(inFlight, calls) }, worker));
  return { sentNs, sentMs, answeredNs, burstMs: performance.now() - start };
}

function reinviteDelays(sentMs: number[], arrivedAt: Map<number, number>): number[] {
  return sentMs.flatMap((sent, call) => {
    const at = arrivedAt.get(call);
    return at === undefined || at < sent ? [] : [at - sent];
  });
}

const results: Round[] = [];
/** INFOs the engine did not answer 200 (must be none). */
const failed: string[] = [];
let report: Awaited<ReturnType<LoadSink["report"]>> | undefined;
try {
  await engine.openRecordedCalls(calls, recorder.uri, DEFAULT_DTMF_MASKING);
  for (let call = 0; call < calls; call++)
    sink.legs(call, engine.calls[call]!.portA, engine.calls[call]!.portB);
  sink.start();
  await sleep(2000);
  for (let round = 0; round < rounds; round++) {
    const others = new OthersCpuWindow([engine.pid, sink.pid, process.pid]);
    const benchLoop = loopDelay();
    sink.tag(tagOf(round, STEADY));
    await sleep(seconds * 1000);
    // Steady packets still in flight when the pause lands would count as recorder loss.
    sink.tag(0);
    await sleep(200);
    const cpu = new CpuWindow(engine.pid);
    sink.tag(tagOf(round, PAUSING));
    const paused = await burst("pause");
    // Packets sent during the last answers still drain through the relay: inside the window.
    await sleep(100);
    sink.tag(0);
    await sleep(500);
    const check = await sink.pauseCheck(paused.answeredNs);
    sink.tag(tagOf(round, RESUMING));
    const resumed = await burst("resume");
    await sleep(100);
    sink.tag(0);
    const engineCpu = cpu.percent();
    await sleep(1000);
    results.push({
      pauseBurstMs: paused.burstMs,
      resumeBurstMs: resumed.burstMs,
      afterAnswer: check.map((c) => c.after),
      // Both clocks are CLOCK_REALTIME; the sink's ns came through a double (±256 ns).
      infoToLastPacketMs: check.map((c, call) => (c.last - Number(paused.sentNs[call]!)) / 1e6),
      // Only re-INVITEs that came after this round's INFO: a recording that was interrupted
      // (no recorder) at the time is paused and resumed without one.
      infoToInactiveReinviteMs: reinviteDelays(paused.sentMs, recorder.inactiveAt),
      infoToSendonlyReinviteMs: reinviteDelays(resumed.sentMs, recorder.sendonlyAt),
      engineCpuPercentDuringBursts: engineCpu,
      othersCpuPercent: others.percent(),
      benchLoopDelay: benchLoop(),
    });
    process.stderr.write(`round ${round + 1}/${rounds}\n`);
  }
  report = await sink.report();
} finally {
  await sink.stop();
  await engine.stop();
  await recorder.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

const tag = (n: number): TagReport => report!.tags.find((t) => t.tag === n)!;
const ms = (values: number[], p: number) => (values.length ? Number(percentile(values, p).toFixed(1)) : NaN);
const p50p99 = (values: number[]) => `${ms(values, 50)} / ${ms(values, 99)}`;
const lossPercent = (t: TagReport, received: number) =>
  t.sent ? ((100 * Math.max(0, t.sent - received)) / t.sent).toFixed(3) : "n/a";
const perRound = results.map((r, round) => {
  const [steady, pausing, resuming] = [STEADY, PAUSING, RESUMING].map((w) => tag(tagOf(round, w))) as [
    TagReport,
    TagReport,
    TagReport,
  ];
  return {
    round: round + 1,
    "others CPU %": r.othersCpuPercent.toFixed(0),
    "engine CPU % (bursts)": r.engineCpuPercentDuringBursts.toFixed(0),
    "after answered": r.afterAnswer.reduce((a, b) => a + b, 0),
    "pause / resume burst ms": `${r.pauseBurstMs.toFixed(0)} / ${r.resumeBurstMs.toFixed(0)}`,
    "INFO → last packet p50 / p99 ms": p50p99(r.infoToLastPacketMs),
    "INFO → a=inactive p50 / p99 ms": p50p99(r.infoToInactiveReinviteMs),
    "INFO → a=sendonly p50 / p99 ms": p50p99(r.infoToSendonlyReinviteMs),
    "relayed p50 / p99 ms steady": `${steady.relayedMs.p50} / ${steady.relayedMs.p99}`,
    "… pausing": `${pausing.relayedMs.p50} / ${pausing.relayedMs.p99}`,
    "… resuming": `${resuming.relayedMs.p50} / ${resuming.relayedMs.p99}`,
    "relayed loss % (steady, pausing, resuming)": [steady, pausing, resuming]
      .map((t) => lossPercent(t, t.relayed))
      .join(", "),
    "recorder loss % steady": lossPercent(steady, steady.recorder),
  };
});
const all = (pick: (r: Round) => number[]) => results.flatMap(pick);
const summary = {
  calls,
  rounds,
  inFlight,
  "packets at the recorder after the pause was answered": all((r) => r.afterAnswer).reduce(
    (a, b) => a + b,
    0,
  ),
  "INFOs not answered 200": failed.length,
  "INFO → last recorder packet p50 / p99 ms": p50p99(all((r) => r.infoToLastPacketMs)),
  "INFO → a=inactive re-INVITE p50 / p99 ms": p50p99(all((r) => r.infoToInactiveReinviteMs)),
  "INFO → a=sendonly re-INVITE p50 / p99 ms": p50p99(all((r) => r.infoToSendonlyReinviteMs)),
};
console.table([summary]);
console.table(perRound);
console.log(
  `continuity ${JSON.stringify(report!.continuity)} (a timestamp jump per stream per pause is expected); ` +
    `engine trouble: ${engine.troubleEvents().join("; ") || "none"}; load generator CPU ` +
    `${report!.generatorCpuPercent} %, late by up to ${report!.maxSendLagMs} ms`,
);
const loadAverageAfter = loadAverage();
console.log(
  `load average before/after: ${loadAverageBefore}/${loadAverageAfter}; CPU of other processes during ` +
    `the rounds: ${results.map((r) => r.othersCpuPercent.toFixed(1)).join(", ")} % (100 % = one core); ` +
    `this process's (controller + recorder stub) event-loop delay max: ` +
    `${results.map((r) => r.benchLoopDelay.maxMs).join(", ")} ms`,
);
fs.mkdirSync(path.dirname(path.resolve(jsonPath)), { recursive: true });
fs.writeFileSync(
  jsonPath,
  `${JSON.stringify(
    {
      benchmark: "pause-burst",
      date: new Date().toISOString(),
      machine: machine(),
      pinned: PINNED,
      seconds,
      loadAverageBefore,
      loadAverageAfter,
      summary,
      perRound,
      report,
      engineTrouble: engine.troubleEvents(),
      failed,
      rounds: results,
    },
    null,
    2,
  )}\n`,
);
console.log(`JSON written to ${jsonPath}`);
