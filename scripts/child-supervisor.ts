import { type ChildProcess, spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { type ReadyMessage, isReadyMessage } from "../common/process-ready";

export type ChildSpec = { name: string; script: string; env: NodeJS.ProcessEnv };

/** Exit code a child uses for a configuration error (EX_CONFIG): restarting cannot help. */
export const EXIT_CONFIG = 78;

type Events = {
  ready: [ReadyMessage];
  restarting: [{ code: number | null; signal: string | null; delayMs: number }];
  fatal: [{ code: number | null; reason: string }];
  output: [string];
};

/**
 * Keeps one child process alive: starts it with an IPC channel, waits for its ready message,
 * restarts it with exponential backoff when it dies (reset after a minute of good health),
 * and stops it with SIGTERM then SIGKILL. `stop()` is idempotent.
 */
export class ChildSupervisor extends EventEmitter<Events> {
  private child: ChildProcess | null = null;
  private stopping = false;
  private failures = 0;
  private startedAt = 0;
  private restartTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly spec: ChildSpec,
    private readonly opts = { baseDelayMs: 500, maxDelayMs: 30_000, healthyAfterMs: 60_000 },
  ) {
    super();
  }

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    this.startedAt = Date.now();
    const child = spawn(process.execPath, ["--import", "tsx", this.spec.script], {
      env: this.spec.env,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    this.child = child;
    const prefix = (chunk: Buffer) =>
      chunk
        .toString()
        .split(/\r?\n/)
        .filter((line) => line.length > 0)
        .forEach((line) => this.emit("output", `[${this.spec.name}] ${line}`));
    child.stdout?.on("data", prefix);
    child.stderr?.on("data", prefix);
    child.on("message", (message) => {
      if (isReadyMessage(message)) this.emit("ready", message);
    });
    child.on("exit", (code, signal) => this.onExit(child, code, signal));
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null) {
    if (this.child !== child) return;
    this.child = null;
    if (this.stopping) return;
    if (code === EXIT_CONFIG) {
      this.emit("fatal", { code, reason: "configuration error (see the message above)" });
      return;
    }
    if (Date.now() - this.startedAt > this.opts.healthyAfterMs) this.failures = 0;
    const delayMs = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** this.failures);
    this.failures += 1;
    this.emit("restarting", { code, signal, delayMs });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.stopping) this.start();
    }, delayMs);
  }

  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
