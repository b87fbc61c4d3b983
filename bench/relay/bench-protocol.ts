import readline from "node:readline";

/**
 * The bench's three processes talk in JSON lines: children print to stdout, read from stdin. Lines
 * rather than IPC because the children are started through `taskset`, which only passes stdio on.
 */
export type BenchMessage =
  | { type: "legs"; ports: [number, number][] }
  | { type: "remotes"; phones: [number, number][] }
  | { type: "joined" }
  | { type: "cpu-start" }
  | { type: "cpu-stop" }
  | { type: "cpu"; percent: number; relay?: RelayTotals }
  | { type: "run"; legs: [number, number][]; warmupMs: number; measureMs: number; drainMs: number }
  | { type: "phones"; ports: [number, number][] }
  | { type: "go" }
  | { type: "measuring" }
  | { type: "measured" }
  | { type: "result"; result: LoadResult };

export type RelayTotals = { packetsIn: number; packetsOut: number; packetsDropped: number; lost: number };

export type LoadResult = {
  /** Measured packets sent by all phones, both directions. */
  sent: number;
  received: number;
  /** Received by a phone that was not the one joined to the sender (must be 0). */
  misrouted: number;
  lossPercent: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** Worst lateness of the generator's own send schedule: a large value means the generator, not the relay, was saturated. */
  maxSendLagMs: number;
  generatorCpuPercent: number;
};

export function send(message: BenchMessage, out: NodeJS.WritableStream = process.stdout): void {
  out.write(`${JSON.stringify(message)}\n`);
}

/** Reads JSON-line messages from a stream, handing each to whoever waits for its type. */
export class MessageReader {
  private readonly queue: BenchMessage[] = [];
  private readonly waiters: { type: BenchMessage["type"]; resolve: (m: BenchMessage) => void }[] = [];
  private ended = false;
  private endWaiters: ((error: Error) => void)[] = [];

  constructor(input: NodeJS.ReadableStream, onOtherLine?: (line: string) => void) {
    const lines = readline.createInterface({ input });
    lines.on("line", (line) => {
      let message: BenchMessage;
      try {
        message = JSON.parse(line) as BenchMessage;
      } catch {
        onOtherLine?.(line);
        return;
      }
      const index = this.waiters.findIndex((w) => w.type === message.type);
      if (index >= 0) this.waiters.splice(index, 1)[0]!.resolve(message);
      else this.queue.push(message);
    });
    lines.on("close", () => {
      this.ended = true;
      for (const reject of this.endWaiters.splice(0)) reject(new Error("stream ended"));
    });
  }

  next<T extends BenchMessage["type"]>(
    type: T,
    timeoutMs = 60_000,
  ): Promise<Extract<BenchMessage, { type: T }>> {
    const queued = this.queue.findIndex((m) => m.type === type);
    if (queued >= 0) {
      return Promise.resolve(this.queue.splice(queued, 1)[0] as Extract<BenchMessage, { type: T }>);
    }
    if (this.ended) return Promise.reject(new Error(`stream ended before a '${type}' message`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no '${type}' message within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const waiter = {
        type,
        resolve: (m: BenchMessage) => {
          clearTimeout(timer);
          resolve(m as Extract<BenchMessage, { type: T }>);
        },
      };
      this.waiters.push(waiter);
      this.endWaiters.push((error) => {
        clearTimeout(timer);
        reject(new Error(`${error.message} before a '${type}' message`));
      });
    });
  }
}

export function argValue(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}
