import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import readline from "node:readline";
import { PORTS, pinnedArgv } from "./bench-machine";

/** Latency percentiles of one kind of packet, ms (-1: none received). */
export type Latency = { p50: number; p99: number; p999: number; max: number };

/** What the sink counted for packets sent under one tag. */
export type TagReport = {
  tag: number;
  /** Packets the phones sent (both parties). */
  sent: number;
  /** Received by the other party's phone. */
  relayed: number;
  /** Received on a recorder stream's port. */
  recorder: number;
  /** Received by a phone that was not the other party of the sender's call (must be 0). */
  misrouted: number;
  /** SRTP packets that did not authenticate (a sink built with SRTP). */
  unprotectFailed: number;
  relayedMs: Latency;
  recorderMs: Latency;
};

/** RFC 3550 §5.1 continuity of every recorder stream: one SSRC, sequence +1, timestamp +160. */
export type Continuity = {
  packets: number;
  ssrcChanges: number;
  seqGaps: number;
  tsJumps: number;
  streamsWithViolations: number;
  silentStreams: number;
};

export type SinkReport = {
  generatorCpuPercent: number;
  maxSendLagMs: number;
  tags: TagReport[];
  continuity: Continuity;
};

/** The ports of one call at the load generator (see load-sink.c): phones and recorder streams. */
export function callPorts(
  call: number,
  loadBase: number = PORTS.loadBase,
): { phoneA: number; phoneB: number; sinkA: number; sinkB: number } {
  const base = loadBase + 6 * call;
  return { phoneA: base, phoneB: base + 1, sinkA: base + 2, sinkB: base + 4 };
}

/**
 * `rtcpMux`: the recorder streams multiplex RTCP (RFC 5761), so receiver reports go to the
 * engine's recording-stream RTP port instead of the port above it.
 */
export type SinkPlacement = { loadBase?: number; core?: number | undefined; rtcpMux?: boolean };

/**
 * The C load generator and sink (load-sink.c), pinned to core 1, driven by lines on its stdin.
 * One per run, so that every run starts with empty counters and fresh sockets.
 */
export class LoadSink {
  private readonly lines: string[] = [];
  private readonly waiters: ((line: string) => void)[] = [];

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    readline.createInterface({ input: child.stdout }).on("line", (line) => {
      const waiter = this.waiters.shift();
      if (waiter) waiter(line);
      else this.lines.push(line);
    });
    child.stderr.on("data", (chunk: Buffer) => process.stderr.write(`[load-sink] ${chunk.toString()}`));
  }

  /** `placement`: its port block (the standard one by default) and core (1; `undefined`: any). */
  static async start(
    binary: string,
    calls: number,
    sendReceiverReports: boolean,
    placement: SinkPlacement = {},
  ): Promise<LoadSink> {
    const [command, ...args] = pinnedArgv("core" in placement ? placement.core : 1, [
      binary,
      String(placement.loadBase ?? PORTS.loadBase),
      String(calls),
      sendReceiverReports ? "1" : "0",
      placement.rtcpMux === true ? "1" : "0",
    ]);
    const sink = new LoadSink(spawn(command!, args, { stdio: ["pipe", "pipe", "pipe"] }));
    // A port of the block may be taken (any process's ephemeral port can land in it): the sink
    // exits at once, and the caller may try again.
    const exited = new Promise<never>((_, reject) =>
      sink.child.once("exit", (code) => reject(new Error(`load-sink exited (${code}) before binding`))),
    );
    await Promise.race([sink.next("bound"), exited]);
    return sink;
  }

  /** start(), tried again a few times when a port of the block is taken. */
  static async startRetrying(
    binary: string,
    calls: number,
    sendReceiverReports: boolean,
    placement: SinkPlacement = {},
  ): Promise<LoadSink> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await LoadSink.start(binary, calls, sendReceiverReports, placement);
      } catch (error) {
        if (attempt >= 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Where the phones of `call` send: the relay's two legs. */
  legs(call: number, legA: number, legB: number): void {
    this.child.stdin.write(`legs ${call} ${legA} ${legB}\n`);
  }

  /**
   * SDES-SRTP on `party`'s leg of `call` (a sink built with SRTP): the phone's key (hex master key
   * + salt) it protects with, and the engine's it unprotects with.
   */
  keys(call: number, party: 0 | 1, txHex: string, rxHex: string): void {
    this.child.stdin.write(`keys ${call} ${party} ${txHex} ${rxHex}\n`);
  }

  /** The engine's key (hex) of recording stream 0|1 of `call`: the sink unprotects its copies. */
  streamKey(call: number, stream: 0 | 1, hex: string): void {
    this.child.stdin.write(`skey ${call} ${stream} ${hex}\n`);
  }

  start(): void {
    this.child.stdin.write("start\n");
  }

  /** Packets sent from now on count under `tag` (1–3), or not at all (0). */
  tag(tag: number): void {
    this.child.stdin.write(`tag ${tag}\n`);
  }

  async report(): Promise<SinkReport> {
    this.child.stdin.write("report\n");
    return (await this.next("report")) as unknown as SinkReport;
  }

  /**
   * For each call, the receive time of its last recorder packet (ns, CLOCK_REALTIME) and how many
   * arrived after `answeredNs[call]`.
   */
  async pauseCheck(answeredNs: bigint[]): Promise<{ last: number; after: number }[]> {
    this.child.stdin.write(`pausecheck ${answeredNs.join(" ")}\n`);
    const reply = (await this.next("pausecheck")) as { calls: { last: number; after: number }[] };
    return reply.calls;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.stdin.end("quit\n");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  }

  private async next(type: string): Promise<Record<string, unknown>> {
    for (;;) {
      const line =
        this.lines.shift() ??
        (await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`load-sink: no '${type}' in 30 s`)), 30_000);
          this.waiters.push((l) => {
            clearTimeout(timer);
            resolve(l);
          });
        }));
      // Large numbers (ns) are beyond doubles' integers: parsed as numbers anyway, ms precision is kept.
      const message = JSON.parse(line) as Record<string, unknown>;
      if (message.type === type) return message;
    }
  }
}
