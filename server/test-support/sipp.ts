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
