import { Worker } from "node:worker_threads";
import type { HeartbeatWorkerData, HeartbeatWorkerMessage } from "./heartbeat-worker";

/** How often the main thread writes its clock for the worker; a loop age below this is "running". */
const MAIN_TICK_MS = 100;

/**
 * Starts the heartbeat worker (heartbeat-worker.ts) and keeps the main thread's clock in memory
 * shared with it. The worker is TypeScript run by tsx, like the process itself: tsx's loader is
 * registered in the worker before the file is imported (a worker does not inherit the loader).
 */
export class HeartbeatResponder {
  private constructor(
    private readonly worker: Worker,
    private readonly ticker: NodeJS.Timeout,
    readonly port: number,
  ) {}

  static async start(options: {
    host: string;
    port: number;
    bootId: string;
    allowed: readonly string[];
    onError: (error: Error) => void;
  }): Promise<HeartbeatResponder> {
    const mainTick = new SharedArrayBuffer(8);
    const clock = new BigInt64Array(mainTick);
    const tick = () => Atomics.store(clock, 0, BigInt(Date.now()));
    tick();
    const ticker = setInterval(tick, MAIN_TICK_MS);
    ticker.unref();
    const workerData: HeartbeatWorkerData = {
      host: options.host,
      port: options.port,
      bootId: options.bootId,
      allowed: [...options.allowed],
      mainTick,
    };
    const file = new URL("./heartbeat-worker.ts", import.meta.url).href;
    const loader = import.meta.resolve("tsx/esm/api");
    const worker = new Worker(
      `import(${JSON.stringify(loader)}).then(({ register }) => { register(); return import(${JSON.stringify(file)}); });`,
      { eval: true, workerData },
    );
    worker.unref();
    try {
      const port = await new Promise<number>((resolve, reject) => {
        worker.on("message", (message: HeartbeatWorkerMessage) => {
          if ("listening" in message) resolve(message.listening);
          else {
            const error = new Error(`heartbeat: ${message.error}`);
            reject(error);
            options.onError(error);
          }
        });
        worker.once("error", reject);
        worker.once("exit", (code) => reject(new Error(`heartbeat worker exited (${code})`)));
      });
      // Later failures of the worker are counted by the process; the OPTIONS keep-alive goes on.
      worker.on("error", options.onError);
      return new HeartbeatResponder(worker, ticker, port);
    } catch (error) {
      clearInterval(ticker);
      await worker.terminate();
      throw error;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.ticker);
    await this.worker.terminate();
  }
}
