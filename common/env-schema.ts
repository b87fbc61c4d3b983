import { z } from "zod";
import { DEFAULT_DATABASE_URL, databaseKindOf } from "./database-url";
import { LOG_LEVELS } from "./logger";

/**
 * Building blocks for the per-process env modules (server/env.ts, media-engine/env.ts,
 * recorder/env.ts, cli/env.ts, scripts/launcher-env.ts). Each process validates its
 * own variables once at start and reads nothing from process.env afterwards.
 */
export type EnvSource = Record<string, string | undefined>;

export class EnvError extends Error {
  override readonly name = "EnvError";
  constructor(readonly problems: { variable: string; message: string }[]) {
    super("Invalid environment:\n" + problems.map((p) => `  ${p.variable}: ${p.message}`).join("\n"));
  }
}

export const zPort = (fallback: number) =>
  z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be between 1 and 65535")
    .max(65535, "must be between 1 and 65535")
    .default(fallback);

export const zBool = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"], { error: "must be true or false" })
    .transform((v) => v === "true" || v === "1" || v === "yes")
    .default(fallback);

const ipv4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
export const zBindAddress = (fallback: string) =>
  z
    .string()
    .refine((v) => ipv4.test(v) || v === "::" || v === "::1" || /^[0-9a-f:]+$/i.test(v), {
      message: "must be an IP address such as 127.0.0.1 or 0.0.0.0",
    })
    .default(fallback);

/** SQLite (`file:`, the embedded default) or PostgreSQL (`postgresql://` / `postgres://`). */
export const zDatabaseUrl = z
  .string()
  .refine((v) => databaseKindOf(v) !== null, {
    message:
      "must be a SQLite URL such as file:./data/forkline.db or a PostgreSQL URL such as postgresql://forkline:secret@127.0.0.1:5432/forkline",
  })
  .default(DEFAULT_DATABASE_URL);

export const zDataDir = documented(
  z.string().min(1).optional(),
  "where the local CLI's API token and the first-start credentials are written",
  "the SQLite file's folder; `./data` with PostgreSQL",
);

/** Empty strings count as unset, so `FOO= npm start` falls back to the default. */
export function parseEnv<S extends z.ZodObject>(schema: S, source: EnvSource): z.infer<S> {
  const cleaned: EnvSource = {};
  for (const key of Object.keys(schema.shape)) {
    const value = source[key];
    if (value !== undefined && value.trim() !== "") cleaned[key] = value.trim();
  }
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new EnvError(
      result.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? "(env)"),
        message: issue.message,
      })),
    );
  }
  return result.data;
}

/** Turns an EnvError into a one-screen message and a non-zero exit: a bad value never half-starts a process. */
export function loadEnvOrExit<T>(processName: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof EnvError) {
      process.stderr.write(`${processName}: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

/**
 * What a variable is for, as the README's configuration table shows it: the table is generated
 * from the env schemas (`npm run docs:config`, checked by scripts/config-table.test.ts), so a
 * variable cannot be added without saying what it does. `shownDefault` is for defaults that are
 * computed (e.g. from another variable) rather than written in the schema.
 */
export function documented<T extends z.ZodType>(schema: T, meaning: string, shownDefault?: string): T {
  return schema.meta({ description: meaning, ...(shownDefault === undefined ? {} : { shownDefault }) });
}

/** The log threshold every process honours. */
export const zLogLevel = documented(
  z.enum(LOG_LEVELS).default("info"),
  "`debug`, `info`, `warn` or `error`, in every process",
);

/**
 * The secret the SIP Servers and their media engines share (protocol/msml/engine-auth.ts): an
 * engine with one set refuses out-of-dialog requests not signed with it (403). Same value on
 * both sides; `npm start` draws one per run for the processes it launches.
 */
export const zEngineSecret = documented(
  z.string().min(16, "must be at least 16 characters").optional(),
  "secret shared by the SIP Server and its media engines; an engine with one refuses legs, OPTIONS and MSML not signed with it (403). Set the same value on every host",
  "`npm start`: drawn at random per run",
);
