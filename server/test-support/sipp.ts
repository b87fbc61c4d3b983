import { type ChildProcess, execFileSync, spawn } from "node:child_process";

/** What a SIPp (or any peer) run ended with: its exit code (0: every call passed) and output. */
export type PeerRun = { code: number | null; output: string };

/**
 * Runs a command to its end, killed after `timeoutMs`, optionally on a test host (`wrap`, e.g.
 * `ip netns exec <namespace>`). Used for SIPp, the independent SIP peer of the tests.
 */
export function runPeer(
  command: string,
  args: string[],
  timeoutMs: number,
  wrap: string[] = [],
): Promise<PeerRun> {
  return new Promise((resolve) => {
    const [file, ...rest] = [...wrap, command, ...args];
    const child = spawn(file!, rest, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** One SIPp run as the tests start it: what differs between runs, the rest is the same. */
export interface SippOptions {
  /** The scenario file (-sf). */
  scenario: string;
  /** The peer to send the first request to (host:port), for a UAC; a UAS waits for it. */
  remote?: string;
  /** The request URI's user (-s), e.g. the number a trunk calls. */
  service?: string;
  /** SIP address (-i) and port (-p). Address 127.0.0.1 by default. */
  host?: string;
  port: number;
  /** Media address (-mi, the SIP address by default) and first RTP port (-mp). */
  mediaHost?: string;
  mediaPort: number;
  /** Calls to make or take (-m): 1 by default; null for no limit (SIPp runs until stopped). */
  calls?: number | null;
  /** How long the whole run may take (-timeout), e.g. "30s". */
  timeout?: string;
  /** Answers unexpected in-dialog requests (OPTIONS, INFO, UPDATE…) with 200 (-aa). */
  autoAnswer?: boolean;
  /** Where SIPp writes the messages it did not expect (-trace_err -error_file): why a run failed. */
  errorFile?: string;
  /** Anything else (rates, statistics), after the rest. */
  extra?: readonly string[];
}

/**
 * The command line of a SIPp run: the scenario, its addresses and ports, one call, no
 * keyboard (-nostdin: SIPp reads commands from its terminal otherwise).
 */
export function sippArgs(options: SippOptions): string[] {
  const host = options.host ?? "127.0.0.1";
  const calls = options.calls === undefined ? 1 : options.calls;
  return [
    ...(options.remote === undefined ? [] : [options.remote]),
    ...["-sf", options.scenario],
    ...(options.service === undefined ? [] : ["-s", options.service]),
    ...["-i", host, "-p", String(options.port)],
    ...["-mi", options.mediaHost ?? host, "-mp", String(options.mediaPort)],
    ...(calls === null ? [] : ["-m", String(calls)]),
    ...(options.timeout === undefined ? [] : ["-timeout", options.timeout]),
    "-nostdin",
    ...(options.autoAnswer === true ? ["-aa"] : []),
    ...(options.errorFile === undefined ? [] : ["-trace_err", "-error_file", options.errorFile]),
    ...(options.extra ?? []),
  ];
}

/** SIPp with `args`, killed after `timeoutMs` (60 s by default). */
export const sipp = (args: string[], timeoutMs = 60_000, wrap: string[] = []) =>
  runPeer("sipp", args, timeoutMs, wrap);

/**
 * A packet capture with tshark on `iface` (a capture filter), written to `file`; resolves once
 * tshark says it is capturing, so nothing sent afterwards is missed.
 */
export async function startCapture(options: {
  iface: string;
  filter: string;
  file: string;
  wrap?: string[];
}): Promise<ChildProcess> {
  const [file, ...rest] = [
    ...(options.wrap ?? []),
    "tshark",
    "-i",
    options.iface,
    "-f",
    options.filter,
    "-w",
    options.file,
  ];
  const child = spawn(file!, rest, { stdio: ["ignore", "ignore", "pipe"] });
  let started = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tshark did not start: ${started}`)), 15_000);
    child.stderr!.on("data", (chunk: Buffer) => {
      started += chunk.toString();
      if (started.includes("Capturing on")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`tshark exited (${code}): ${started}`));
    });
  });
  return child;
}

/** Stops a capture and waits until tshark has written its file. */
export async function stopCapture(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGINT");
  await exited;
}

/** The RTP payloads (hex) of the packets of a capture matching a display filter, in order. */
export function rtpPayloads(file: string, displayFilter: string): string[] {
  const out = execFileSync(
    "tshark",
    ["-r", file, "-o", "rtp.heuristic_rtp:TRUE", "-Y", displayFilter, "-T", "fields", "-e", "rtp.payload"],
    { encoding: "utf8" },
  );
  return out.split("\n").filter((line) => line.trim() !== "");
}
