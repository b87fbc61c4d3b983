import { z } from "zod";
import { type EnvSource, parseEnv } from "../common/env-schema";

const launcherEnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  /** How long a child may take to report ready before `npm start` gives up. */
  FORKLINE_READY_TIMEOUT_MS: z.coerce.number({ error: "must be a number" }).int().min(1000).default(120_000),
  /** `false` skips the automatic `next build` (CI images that build separately). */
  FORKLINE_AUTO_BUILD: z.enum(["true", "false"]).default("true"),
});

export type LauncherEnv = z.infer<typeof launcherEnvSchema> & {
  /** Passed whole to every child: each validates its own variables. */
  childEnvironment: NodeJS.ProcessEnv;
};

export function loadLauncherEnv(source: EnvSource): LauncherEnv {
  const env = parseEnv(launcherEnvSchema, source);
  const childEnvironment: NodeJS.ProcessEnv = {
    ...source,
    NODE_ENV: env.NODE_ENV,
    NEXT_TELEMETRY_DISABLED: source.NEXT_TELEMETRY_DISABLED ?? "1",
  };
  return { ...env, childEnvironment };
}
