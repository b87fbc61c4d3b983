import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { pinnedArgv, STANDARD_LAYOUT, type LoadLayout } from "./bench-machine";
import { callPorts } from "./load-sink-process";

/**
 * A reference relay process (c-relay.c or node-recording-relay.ts), pinned to core 0 like the
 * media engine: legs on the layout's relayRtp (two per call), given the phones' and the recorder
 * streams' ports on stdin.
 */
export class ReferenceRelayProcess {
  private readonly lines: string[] = [];
  private readonly waiters: ((line: string) => void)[] = [];

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly calls: number,
    private readonly layout: LoadLayout,
  ) {
    readline.createInterface({ input: child.stdout }).on("line", (line) => {
      const waiter = this.waiters.shift();
      if (waiter) waiter(line);
      else this.lines.push(line);
    });
    child.stderr.on("data", (chunk: Buffer) => process.stderr.write(`[relay] ${chunk.toString()}`));
  }

  /** `binary`: the built c-relay, or undefined for the Node relay. */
  static async start(
    binary: string | undefined,
    calls: number,
    layout: LoadLayout = STANDARD_LAYOUT,
  ): Promise<ReferenceRelayProcess> {
    if (calls * 2 > layout.relayRtp.max - layout.relayRtp.min + 1)
      throw new Error("relay port range too small");
    const program =
      binary === undefined
        ? [process.execPath, "--import", "tsx", path.join(import.meta.dirname, "node-recording-relay.ts")]
        : [binary];
    const [command, ...args] = pinnedArgv(0, [...program, String(layout.relayRtp.min), String(calls)]);
    const relay = new ReferenceRelayProcess(
      spawn(command!, args, { stdio: ["pipe", "pipe", "pipe"] }),
      calls,
      layout,
    );
    await relay.next("ready");
    return relay;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Where the phones of `call` send. */
  legPorts(call: number): [number, number] {
    return [this.layout.relayRtp.min + 2 * call, this.layout.relayRtp.min + 2 * call + 1];
  }

  async join(): Promise<void> {
    for (let call = 0; call < this.calls; call++) {
      const p = callPorts(call, this.layout.loadBase);
      this.child.stdin.write(`${call} ${p.phoneA} ${p.phoneB} ${p.sinkA} ${p.sinkB}\n`);
    }
    await this.next("joined");
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  }

  private async next(type: string): Promise<void> {
    for (;;) {
      const line =
        this.lines.shift() ??
        (await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`relay: no '${type}' in 30 s`)), 30_000);
          this.waiters.push((l) => {
            clearTimeout(timer);
            resolve(l);
          });
        }));
      if ((JSON.parse(line) as { type: string }).type === type) return;
    }
  }
}
