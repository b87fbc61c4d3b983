/**
 * Recorded calls per RTP port range (issue 16 §3): how many recorded calls the engines' ports hold,
 * set up for real — the engine processes driven over SIP + MSML as the server drives them, each
 * call two legs joined and one recording of both parties at the bench's SIPREC recorder stub —
 * but without media (no machine here relays 2,000 recorded calls; the CPU side is
 * recorded-calls-bench.ts). The default RTP range is 10,000 ports (20000–29999), which another
 * process may hold on a shared machine, so the bench gives two engines 5,000 ports each
 * (30000–34999 and 40000–44999, the benchmark's own ranges), as MEDIA_ENGINE_WORKERS=2 slices the
 * default range. It opens `--calls` recorded calls (default 2,000, round-robin over the engines),
 * reads each engine's `forkline_media_rtp_ports_in_use`, then keeps opening calls until an engine
 * refuses one, and prints the refusal.
 *   npx tsx bench/recorded-calls/port-capacity-bench.ts [--calls 2000] [--rtcp-mux on|off]
 *     [--json bench/results/port-capacity.json]
 */
import fs from "node:fs";
import path from "node:path";
import { DEFAULT_DTMF_MASKING } from "../../protocol/msml";
import { benchArg, machine, type EnginePorts, PORTS } from "./bench-machine";
import { EngineUnderTest } from "./engine-recorded-calls";
import { RecorderStub } from "./recorder-stub";

const calls = Number(benchArg("--calls") ?? "2000");
const rtcpMux = (benchArg("--rtcp-mux") ?? "on") !== "off";
const jsonPath = benchArg("--json") ?? "bench/results/port-capacity.json";
/** Where the stub's answers point the recorder streams: nothing is sent there (no media). */
const SDP_PORT_BASE = 45000;
// 6 SDP ports per call (load-sink's layout) for the calls asked and the ones opened after them.
if (SDP_PORT_BASE + 6 * Math.max(calls + 1000, 2600) > 65535)
  throw new Error("--calls: too many for the SDP port numbers");

const engines: EnginePorts[] = [
  { sip: PORTS.engineSip, http: PORTS.engineHttp, rtpMin: 30000, rtpMax: 34999 },
  { sip: 5910, http: 5911, rtpMin: 40000, rtpMax: 44999 },
];

const portsOf = async (engine: EnginePorts) => {
  const metrics = await (await fetch(`http://127.0.0.1:${engine.http}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(metrics)?.[1]);
  return { inUse: read("forkline_media_rtp_ports_in_use"), capacity: read("forkline_media_rtp_ports") };
};

const recorder = await RecorderStub.start(SDP_PORT_BASE, rtcpMux);
const engine = await EngineUnderTest.start({ engines, core: undefined, loadBase: SDP_PORT_BASE });
const started = performance.now();
const progress = setInterval(() => {
  const open = engine.calls.filter((c) => c !== undefined).length;
  process.stderr.write(`${open} calls set up after ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
}, 10_000);
let result: Record<string, unknown> | undefined;
try {
  let setupError: string | undefined;
  try {
    await engine.openRecordedCalls(calls, recorder.uri, DEFAULT_DTMF_MASKING, 16, "off", rtcpMux);
  } catch (error) {
    // What was set up still says how many ports a call holds; the error says where it stopped.
    setupError = (error as Error).message;
  }
  const setupSeconds = (performance.now() - started) / 1000;
  const atTarget = await Promise.all(engines.map(portsOf));
  if (setupError !== undefined) {
    const open = engine.calls.filter((c) => c !== undefined).length;
    const inUse = atTarget.reduce((sum, e) => sum + e.inUse, 0);
    console.log(
      `set-up stopped after ${setupSeconds.toFixed(0)} s with ${open} recorded calls open: ${setupError}; ` +
        `${inUse} RTP ports in use (${(inUse / open).toFixed(2)} per open call, per engine ` +
        `${atTarget.map((e) => `${e.inUse}/${e.capacity}`).join(", ")})`,
    );
    result = { calls, open, setupError, setupSeconds, portsInUse: inUse, perEngine: atTarget };
    throw new Error(setupError);
  }
  const inUse = atTarget.reduce((sum, e) => sum + e.inUse, 0);
  const capacity = atTarget.reduce((sum, e) => sum + e.capacity, 0);
  console.log(
    `${calls} recorded calls set up in ${setupSeconds.toFixed(1)} s on 2 engines: ${inUse} of ${capacity} RTP ports ` +
      `in use, ${(inUse / calls).toFixed(2)} per call (per engine: ${atTarget.map((e) => `${e.inUse}/${e.capacity}`).join(", ")})`,
  );
  // Then one call at a time (round-robin continues) until an engine refuses one.
  let more = 0;
  let refusal = "";
  for (;;) {
    try {
      await engine.openRecordedCalls(1, recorder.uri, DEFAULT_DTMF_MASKING, 1, "off", rtcpMux, calls + more);
      more++;
    } catch (error) {
      refusal = (error as Error).message;
      break;
    }
  }
  const atLimit = await Promise.all(engines.map(portsOf));
  console.log(
    `then ${more} more (${calls + more} in all) until: ${refusal}; ports then: ` +
      atLimit.map((e) => `${e.inUse}/${e.capacity}`).join(", "),
  );
  result = {
    calls,
    setupSeconds: Number(setupSeconds.toFixed(1)),
    portsInUse: inUse,
    capacity,
    portsPerCall: inUse / calls,
    perEngine: atTarget,
    callsUntilRefused: calls + more,
    refusal,
    perEngineAtLimit: atLimit,
  };
} catch (error) {
  result ??= { error: (error as Error).message };
} finally {
  clearInterval(progress);
  await engine.stop();
  await recorder.close();
}
fs.mkdirSync(path.dirname(path.resolve(jsonPath)), { recursive: true });
fs.writeFileSync(
  jsonPath,
  `${JSON.stringify({ benchmark: "port-capacity", date: new Date().toISOString(), machine: machine(), rtcpMux, engines, ...result }, null, 2)}\n`,
);
console.log(`JSON written to ${jsonPath}`);
