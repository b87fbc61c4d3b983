import { Counter, type Registry } from "prom-client";
import type { Logger } from "./logger";

/**
 * Errors a process contains instead of dying: one call's failure must not end the process and
 * every other call in it. Each is logged once (with the call or leg it concerns, when known)
 * and counted, so an operator sees them in Prometheus (`forkline_contained_errors_total`)
 * rather than in a restart.
 */
export class ContainedErrors {
  private readonly counts = new Map<string, number>();
  private readonly counter: Counter<"where">;

  /** `registry`: where the counter is served (the process's /metrics); none in unit tests. */
  constructor(
    private readonly log: Logger,
    registry?: Registry,
  ) {
    this.counter = new Counter({
      name: "forkline_contained_errors_total",
      help: "Errors contained by the process (it kept serving), by where they happened.",
      labelNames: ["where"],
      registers: registry === undefined ? [] : [registry],
    });
  }

  /**
   * Counts and logs one contained error. `where` is a short, fixed label (a Prometheus label
   * value, e.g. "leg_hangup"), `subject` the call or leg id it concerns.
   */
  report(where: string, error: unknown, subject?: string): void {
    this.counts.set(where, (this.counts.get(where) ?? 0) + 1);
    this.counter.inc({ where });
    this.log.error({ where, ...(subject === undefined ? {} : { subject }) }, describe(error));
  }

  count(where: string): number {
    return this.counts.get(where) ?? 0;
  }

  get total(): number {
    let sum = 0;
    for (const value of this.counts.values()) sum += value;
    return sum;
  }

  /**
   * The last line of defence for a process: an unhandled rejection or an exception thrown from
   * a timer or socket callback is logged and counted, and the process goes on serving its other
   * calls. Each such error is also a bug to fix where it started; the counter makes it visible.
   */
  installProcessGuard(): void {
    process.on("unhandledRejection", (reason) => this.report("unhandled_rejection", reason));
    process.on("uncaughtException", (error) => this.report("uncaught_exception", error));
  }
}

/**
 * A bug is logged with its stack, to find where it started; an operational error (a peer that
 * reset its connection, an unreachable address: `operational: true`, like SipTransportError) is
 * one line with its errno code, as a fuzzing peer can cause thousands of them.
 */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if ((error as { operational?: unknown }).operational !== true) return error.stack ?? error.message;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? `${error.message} [${code}]` : error.message;
}
