import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";

/**
 * What the recorded-call benchmarks share about the machine they run on: the ports they may use
 * (so that they never collide with other work on a shared machine), pinning, CPU accounting from
 * /proc, the load average, and the C programs they build with the system compiler.
 */

/** SIP 5900–5919 and UDP 40000–44999 only (and 30000–34999 with `--engines`: WIDE_LAYOUT). */
export const PORTS = {
  engineSip: 5900,
  engineHttp: 5901,
  controllerSip: 5902,
  recorderSip: 5903,
  rtpengineNg: 5904,
  /**
   * The media engine's RTP range: 2,000 ports, as in the measurement. rtpengine gets the
   * same range (the two never run at the same time): the same port budget for both.
   */
  engineRtp: { min: 40000, max: 41999 },
  /** The load generator and sink: 6 ports per call from here (see load-sink.c). */
  loadBase: 42000,
  loadMax: 43499,
  /** The reference relays' legs (two per call). */
  relayRtp: { min: 43500, max: 44999 },
} as const;

export const HOST = "127.0.0.1";

/** Where a run's load generator binds (6 ports per call) and where a reference relay's legs go. */
export type LoadLayout = {
  loadBase: number;
  loadMax: number;
  relayRtp: { min: number; max: number };
};

/** The single-engine layout above, as every run without `--engines` uses it. */
export const STANDARD_LAYOUT: LoadLayout = {
  loadBase: PORTS.loadBase,
  loadMax: PORTS.loadMax,
  relayRtp: PORTS.relayRtp,
};

/**
 * `--engines`: 2 or 4 engines carry more calls than the 2,000-port range (187 recorded calls) and
 * the 250-call load block hold, so these runs (the 1-engine one included, for a like-for-like
 * ratio) use the wider ranges given to this benchmark: the load generator on UDP 30000–34999
 * (833 calls; below 32768 no other process's ephemeral port can take one of its fixed ports, which
 * it cannot skip), the engines (or the reference relay, never at the same time) on 40000–44999
 * (the engines' port pool steps over a port that is taken).
 */
export const WIDE_LAYOUT: LoadLayout = {
  loadBase: 30000,
  loadMax: 34999,
  relayRtp: { min: 40000, max: 44999 },
};

/** One media engine process's ports. */
export type EnginePorts = { sip: number; http: number; rtpMin: number; rtpMax: number };

/**
 * The ports of `count` engines: engine 0 keeps 5900/5901, engines 1–3 take 5910–5915; the RTP
 * range is the standard one for a lone engine (`wide` false), else 40000–44999 in equal slices,
 * as the launcher slices RTP_PORT_MIN–MAX over MEDIA_ENGINE_WORKERS.
 */
export function enginePorts(count: number, wide: boolean): EnginePorts[] {
  if (count < 1 || count > 4) throw new Error("1 to 4 engines (SIP ports 5900–5919)");
  const range = wide ? WIDE_LAYOUT.relayRtp : PORTS.engineRtp;
  const slice = Math.floor((range.max - range.min + 1) / count);
  return Array.from({ length: count }, (_, i) => ({
    sip: i === 0 ? PORTS.engineSip : 5908 + 2 * i,
    http: i === 0 ? PORTS.engineHttp : 5909 + 2 * i,
    rtpMin: range.min + slice * i,
    rtpMax: range.min + slice * (i + 1) - 1,
  }));
}

/** The most calls the load generator's port block holds. */
export const MAX_LOAD_CALLS = Math.floor((PORTS.loadMax - PORTS.loadBase + 1) / 6);

/** taskset works and there is a second core for the load. */
export const PINNED = os.cpus().length >= 2 && spawnSync("taskset", ["-c", "0", "true"]).status === 0;

/**
 * `command` pinned to `core` when pinning is possible, as an argv; `undefined`: allowed on every
 * core (said explicitly, since a child inherits the affinity of this process, pinned to core 1).
 */
export function pinnedArgv(core: number | undefined, command: string[]): string[] {
  if (!PINNED) return command;
  return ["taskset", "-c", core === undefined ? ALL_CORES : String(core), ...command];
}

const ALL_CORES = `0-${os.cpus().length - 1}`;

/** This process on `core`, or on every core (`undefined`): it plays the server and the recorder. */
export function placeThisProcess(core: number | undefined): void {
  if (PINNED)
    spawnSync("taskset", ["-cp", core === undefined ? ALL_CORES : String(core), String(process.pid)]);
}

/** CPU seconds (user + system, all threads) of a process, from /proc/<pid>/stat fields 14 and 15. */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

let ticks: number | undefined;
function clockTicks(): number {
  ticks ??= Number(spawnSync("getconf", ["CLK_TCK"]).stdout?.toString().trim()) || 100;
  return ticks;
}

/** CPU % of `pid` (or the sum over several processes) between two samples. */
export class CpuWindow {
  private readonly pids: number[];
  private readonly cpu0: number[];
  private readonly wall0 = performance.now();
  constructor(pid: number | number[]) {
    this.pids = Array.isArray(pid) ? pid : [pid];
    this.cpu0 = this.pids.map(cpuSeconds);
  }
  percent(): number {
    return this.each().reduce((sum, value) => sum + value, 0);
  }
  /** Per process, in the order given. */
  each(): number[] {
    const seconds = (performance.now() - this.wall0) / 1000;
    return this.pids.map((pid, i) => (100 * (cpuSeconds(pid) - this.cpu0[i]!)) / seconds);
  }
}

/** Busy CPU seconds of the whole machine (all cores), from /proc/stat. */
function machineBusySeconds(): number {
  const fields = fs
    .readFileSync("/proc/stat", "utf8")
    .split("\n")[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  // user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
  const busy = fields.slice(0, 8).reduce((sum, value, i) => (i === 3 || i === 4 ? sum : sum + value), 0);
  return busy / clockTicks();
}

/**
 * CPU % used during a window by processes other than `ours` (100 % = one core): another session
 * running tests on the same machine shows here, measured rather than guessed from the load average.
 */
export class OthersCpuWindow {
  private readonly busy0 = machineBusySeconds();
  private readonly ours0: number;
  private readonly wall0 = performance.now();
  constructor(private readonly ours: number[]) {
    this.ours0 = ours.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  }
  percent(): number {
    const ours = this.ours.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - this.ours0;
    const others = machineBusySeconds() - this.busy0 - ours;
    return Math.max(0, (100 * others) / ((performance.now() - this.wall0) / 1000));
  }
}

/**
 * This process's event-loop delay from now on: it plays the SIP Server and the recorder, so a
 * late answer to the engine is told apart from the engine's own lateness.
 */
export function loopDelay(): () => { p99Ms: number; maxMs: number } {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  return () => {
    histogram.disable();
    return {
      p99Ms: Number((histogram.percentile(99) / 1e6).toFixed(1)),
      maxMs: Number((histogram.max / 1e6).toFixed(1)),
    };
  };
}

/** The 1-minute load average: another session's tests on the same machine show here. */
export const loadAverage = (): number => Number(os.loadavg()[0]!.toFixed(2));

export function machine(): { cpu: string; cores: number; nproc: number; kernel: string; node: string } {
  const cpuinfo = fs.readFileSync("/proc/cpuinfo", "utf8");
  return {
    cpu: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    // --all: the benches pin themselves to core 1, and plain nproc counts the cores one may use.
    nproc: Number(spawnSync("nproc", ["--all"]).stdout?.toString().trim()),
    kernel: `${os.platform()} ${os.release()}`,
    node: process.version,
  };
}

/** Builds one of this folder's C programs with the system compiler into a temp dir. */
/** `variant`: a suffix of the binary's name, with the -D defines and -l libraries it is built with. */
export function buildC(
  name: string,
  dir: string,
  variant?: { suffix: string; defines: string[]; libs: string[] },
): string {
  const source = path.join(import.meta.dirname, `${name}.c`);
  const binary = path.join(dir, variant === undefined ? name : `${name}-${variant.suffix}`);
  const flags = variant === undefined ? [] : variant.defines.map((d) => `-D${d}`);
  const libs = variant === undefined ? [] : variant.libs.map((l) => `-l${l}`);
  const result = spawnSync("cc", ["-O2", "-Wall", ...flags, "-o", binary, source, ...libs], {
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`cc ${name}.c failed:\n${result.stderr}`);
  return binary;
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "forkline-recorded-bench-"));
}

/** The value after `--name` on the command line, or undefined. */
export function benchArg(name: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Wall clock in ns (CLOCK_REALTIME, as the sink's SO_TIMESTAMPNS stamps), to the µs. */
export function realtimeNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}
