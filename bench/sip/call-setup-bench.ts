/**
 * SIP call set-up rate, trunk → extension with media anchored on the media engine. SIPp plays the
 * trunk (UAC) and the extension's phone (UAS, late offer), pinned to core 1; the Forkline stack
 * (server + media engine + recorder) runs on core 0. Each rate also runs SIPp UAC → SIPp UAS
 * directly (the reference: what the load generator itself sustains) and prints the ratio.
 *   npx tsx bench/sip/call-setup-bench.ts [--rates 25,50,100,150] [--seconds 10] [--json bench/results/call-setup.json]
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SipTestPhone } from "../../server/test-support/sip-test-phone";
import { startTestStack } from "../../server/test-support/start-test-stack";

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const rates = (arg("--rates") ?? "25,50,100,150").split(",").map(Number);
const seconds = Number(arg("--seconds") ?? "10");
const jsonPath = arg("--json") ?? "bench/results/call-setup.json";
const here = path.dirname(new URL(import.meta.url).pathname);
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
const UAS_PORT = 5063;

type Run = {
  rate: number;
  attempted: number;
  successful: number;
  failed: number;
  cps: number;
  avgSetupMs: number;
};

function sipp(
  sippArgs: string[],
  core: number,
  timeoutMs: number,
): Promise<{ code: number | null; output: string }> {
  const command = pin ? ["taskset", "-c", String(core), "sipp", ...sippArgs] : ["sipp", ...sippArgs];
  return new Promise((resolve) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
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

async function run(target: string, rate: number, dir: string): Promise<Run> {
  const attempted = rate * seconds;
  const uas = sipp(
    [
      "-sf",
      uasScenario,
      "-i",
      "127.0.0.1",
      "-p",
      String(UAS_PORT),
      "-mi",
      "127.0.0.1",
      "-mp",
      "48000",
      "-nostdin",
      "-bg",
    ].filter((a) => a !== "-bg"),
    1,
    (seconds + 60) * 1000,
  );
  await new Promise((r) => setTimeout(r, 300));
  const statFile = path.join(dir, `uac-${rate}-${target.replace(/\W/g, "_")}.csv`);
  const started = Date.now();
  await sipp(
    [
      target,
      "-sf",
      uacScenario,
      "-s",
      "1001",
      "-i",
      "127.0.0.1",
      "-p",
      "5062",
      "-mi",
      "127.0.0.1",
      "-mp",
      "49000",
      "-r",
      String(rate),
      "-m",
      String(attempted),
      "-l",
      String(rate * 4),
      "-nostdin",
      "-timeout",
      `${seconds + 40}s`,
      "-trace_stat",
      "-stf",
      statFile,
      "-fd",
      "1",
      "-recv_timeout",
      "10000",
    ],
    1,
    (seconds + 60) * 1000,
  );
  const elapsed = (Date.now() - started) / 1000;
  spawnSync("pkill", ["-f", `sipp -sf ${uasScenario}`]);
  await uas;
  const stats = readStats(statFile);
  return { rate, attempted, ...stats, cps: stats.successful / Math.max(elapsed - 1, 1) };
}

const stack = await startTestStack(ports, { RTP_INACTIVITY_TIMEOUT_S: "0" });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-call-setup-"));
const results: { engine: Run; reference: Run }[] = [];
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
    const engine = await run(`127.0.0.1:${ports.sip}`, rate, dir);
    const reference = await run(`127.0.0.1:${UAS_PORT}`, rate, dir);
    results.push({ engine, reference });
  }
  await phone.close();
} finally {
  await stack.stop();
}

const rows = results.map(({ engine, reference }) => ({
  "rate (calls/s)": engine.rate,
  attempted: engine.attempted,
  "forkline ok": engine.successful,
  "forkline failed": engine.failed,
  "forkline calls/s": engine.cps.toFixed(1),
  "forkline setup ms": engine.avgSetupMs.toFixed(1),
  "reference ok": reference.successful,
  "reference setup ms": reference.avgSetupMs.toFixed(1),
  "ok ratio": (engine.successful / Math.max(reference.successful, 1)).toFixed(2),
}));
console.table(rows);
const best = Math.max(0, ...results.filter((r) => r.engine.failed === 0).map((r) => r.engine.cps));
console.log(
  `Highest failure-free rate: ${best.toFixed(1)} calls/s (target ${TARGET_CPS}); load generator pinned: ${pin}`,
);
fs.mkdirSync(path.dirname(jsonPath), { recursive: true });
fs.writeFileSync(
  jsonPath,
  `${JSON.stringify({ date: new Date().toISOString(), seconds, pinned: pin, target: TARGET_CPS, results }, null, 2)}\n`,
);
console.log(`wrote ${jsonPath}`);
