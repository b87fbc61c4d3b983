import pino from "pino";

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A process's pino logger, or a child of it bound to one call, leg or recording. */
export type Logger = pino.Logger;

/** Where lines go: stderr in a process, a collecting function in a test. */
export type LogSink = (line: string) => void;

/**
 * One JSON object a line, the same shape in every process (server, media engine, lab recorder)
 * so one tool reads them all: `time` (ISO 8601), `level` (its name), `service`, `message`, and
 * the fields of the line or of the child logger it came from (`connId`, `file`). Lines below
 * `level` (LOG_LEVEL) are not written: at 50 calls/s a line per leg event is noise unless asked for.
 *
 * Written synchronously to stderr: the launcher reads each child's stderr line by line, and a
 * line buffered in the process when it is killed would be the one that explains why.
 */
export function createLogger(service: string, level: LogLevel = "info", sink?: LogSink): Logger {
  const destination = sink === undefined ? pino.destination({ dest: 2, sync: true }) : { write: sink };
  return pino(
    {
      level,
      base: { service },
      messageKey: "message",
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** A logger that writes nothing: for parts built without one (unit tests). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
