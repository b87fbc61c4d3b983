export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * One JSON object a line on stderr, the same shape in every process (server, media engine, lab
 * recorder) and as ContainedErrors writes, so one tool reads them all: `time`, `level`,
 * `service`, `message`, and the fields of the line (a call id, a file). Lines below `level`
 * (LOG_LEVEL) are not written: at 50 calls/s a line per leg event is noise unless asked for.
 */
export class JsonLog {
  private readonly threshold: number;

  constructor(
    private readonly service: string,
    level: LogLevel = "info",
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
  ) {
    this.threshold = RANK[level];
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= this.threshold;
  }

  /** `about`: the fields of the line, or the one thing it is about (a leg, a call) as `subject`. */
  log(level: LogLevel, message: string, about?: Record<string, unknown> | string): void {
    if (!this.enabled(level)) return;
    const fields = typeof about === "string" ? { subject: about } : (about ?? {});
    this.write(
      `${JSON.stringify({ time: new Date().toISOString(), level, service: this.service, message, ...fields })}\n`,
    );
  }

  debug(message: string, about?: Record<string, unknown> | string): void {
    this.log("debug", message, about);
  }

  info(message: string, about?: Record<string, unknown> | string): void {
    this.log("info", message, about);
  }

  warn(message: string, about?: Record<string, unknown> | string): void {
    this.log("warn", message, about);
  }

  error(message: string, about?: Record<string, unknown> | string): void {
    this.log("error", message, about);
  }
}
