/**
 * Media engine loss: how long the SIP Server's pool takes to know an engine died (kill -9) or
 * stopped (SIGSTOP: alive, answering nothing — a frozen VM, a stopped process), and how long
 * until calls are anchored again once the engine is restarted (the launcher waits 500 ms, then
 * starts it; a stopped engine is killed once detected). The engine runs as its own process on
 * core 0, this script (the server's pool) on core 1. Each run hits the engine at a random point
 * of the 500 ms keep-alive period, with one leg open on it.
 *
 * References, measured in the same run: the same kills detected by keep-alive deadlines alone
 * (the connected-socket ICMP probe off), i.e. what plain SIP OPTIONS pinging gives; the same
 * stops detected without the worker-thread heartbeat (the 3 s silence rule alone).
 *   npx tsx bench/faults/engine-loss-bench.ts [--runs 20] [--json bench/results/engine-loss.json]
 */
import fs from "node:fs";
import path from "node:path";
import { UdpTransport, UserAgentCore } from "../../sip-core";
import { MediaEnginePool, type EngineLoss } from "../../server/sip/media/media-engine-pool";
import {
  pcmuOffer,
  spawnMediaEngine,
  type SpawnedProcess,
} from "../../media-engine/test-support/engine-harness";
import { benchArg, percentile } from "./fault-bench-support";

const runs = Number(benchArg("--runs") ?? "20");
const jsonPath = benchArg("--json") ?? "bench/results/engine-loss.json";
const ENGINE = { sip: 6151, http: 6152, rtpMin: 45000, rtpMax: 45199 };
const LAUNCHER_RESTART_DELAY_MS = 500;

type Run = { detectMs: number; recoverMs: number; cause: EngineLoss["cause"] };
type Mode = { signal: "SIGKILL" | "SIGSTOP"; icmpProbe: boolean; heartbeat: boolean };

async function measure({ signal, icmpProbe, heartbeat }: Mode): Promise<Run[]> {
  const ua = new UserAgentCore({ delegate: { handlers: {}, onError: () => undefined } });
  await ua.addTransport(new UdpTransport({ host: "127.0.0.1", port: 0 }));
  const pool = new MediaEnginePool(ua, [`sip:127.0.0.1:${ENGINE.sip}`], {
    from: "<sip:forkline@127.0.0.1>",
    contact: "<sip:forkline@127.0.0.1>",
    icmpProbe,
    heartbeat,
  });
  let engine: SpawnedProcess = await spawnMediaEngine(ENGINE);
  let lost: ((loss: EngineLoss) => void) | undefined;
  pool.onEngineLost((loss) => lost?.(loss));
  pool.start();
  const results: Run[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      // The engine must be known alive (a keep-alive answered) before it is killed.
      await pool.openLeg(pcmuOffer(46000 + run), { callId: `bench-${run}` });
      await new Promise((resolve) => setTimeout(resolve, 600 + Math.random() * 500));
      const detected = new Promise<EngineLoss>((resolve) => (lost = resolve));
      const killedAt = performance.now();
      engine.child.kill(signal);
      const loss = await detected;
      const detectMs = performance.now() - killedAt;
      if (signal === "SIGSTOP") engine.child.kill("SIGKILL");
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, LAUNCHER_RESTART_DELAY_MS - detectMs)));
      engine = await spawnMediaEngine(ENGINE);
      // Recovery: the first call anchored on the new instance.
      for (;;) {
        try {
          await pool.openLeg(pcmuOffer(47000 + run), { callId: `bench-r${run}` });
          break;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
      results.push({ detectMs, recoverMs: performance.now() - killedAt, cause: loss.cause });
      process.stderr.write(".");
    }
  } finally {
    pool.stop();
    engine.child.kill("SIGKILL");
    await ua.close();
  }
  process.stderr.write("\n");
  return results;
}

const withProbe = await measure({ signal: "SIGKILL", icmpProbe: true, heartbeat: true });
const reference = await measure({ signal: "SIGKILL", icmpProbe: false, heartbeat: false });
const stopped = await measure({ signal: "SIGSTOP", icmpProbe: true, heartbeat: true });
const stoppedReference = await measure({ signal: "SIGSTOP", icmpProbe: true, heartbeat: false });
const summary = (label: string, rows: Run[]) => ({
  mode: label,
  runs: rows.length,
  "detect p50 ms": Math.round(
    percentile(
      rows.map((r) => r.detectMs),
      50,
    ),
  ),
  "detect p99 ms": Math.round(
    percentile(
      rows.map((r) => r.detectMs),
      99,
    ),
  ),
  "recover p50 ms": Math.round(
    percentile(
      rows.map((r) => r.recoverMs),
      50,
    ),
  ),
  "recover p99 ms": Math.round(
    percentile(
      rows.map((r) => r.recoverMs),
      99,
    ),
  ),
});
const table = [
  summary("kill -9: keep-alive + ICMP probe + heartbeat (Forkline)", withProbe),
  summary("kill -9: keep-alive deadlines only (reference)", reference),
  summary("SIGSTOP: keep-alive + heartbeat (Forkline)", stopped),
  summary("SIGSTOP: without the heartbeat (reference)", stoppedReference),
];
console.table(table);
fs.mkdirSync(path.dirname(jsonPath), { recursive: true });
fs.writeFileSync(
  jsonPath,
  `${JSON.stringify(
    { date: new Date().toISOString(), runs, table, withProbe, reference, stopped, stoppedReference },
    null,
    2,
  )}\n`,
);
