export type LogLevel = "debug" | "info" | "warn" | "error";

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * The media engine's own log lines (leg hung up, orphans released, shutting down), one JSON object
 * a line like ContainedErrors writes, so both can be read by the same tools. Lines below `level`
 * (LOG_LEVEL) are not written: at 50 calls/s a line per leg event is noise unless asked for.
 */
export class EngineLog {
  private readonly threshold: number;

  constructor(
    level: LogLevel = "info",
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
    private readonly service = "media-engine",
  ) {
    this.threshold = RANK[level];
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= this.threshold;
  }

  debug(message: string, subject?: string): void {
    this.line("debug", message, subject);
  }

  info(message: string, subject?: string): void {
    this.line("info", message, subject);
  }

  warn(message: string, subject?: string): void {
    this.line("warn", message, subject);
  }

  private line(level: LogLevel, message: string, subject: string | undefined): void {
    if (!this.enabled(level)) return;
    this.write(
      `${JSON.stringify({
        time: new Date().toISOString(),
        level,
        service: this.service,
        ...(subject === undefined ? {} : { subject }),
        message,
      })}\n`,
    );
  }
}

/** For tests and embedders that want no log lines at all. */
export const silentLog = new EngineLog("error", () => undefined);
