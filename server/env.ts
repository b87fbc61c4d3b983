import { z } from "zod";
import {
  type EnvSource,
  parseEnv,
  zBindAddress,
  zBool,
  zPort,
  zSqliteOrPostgresUrl,
} from "../common/env-schema";

const serverEnvSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
    HTTP_PORT: zPort(3000),
    HTTP_HOST: zBindAddress("127.0.0.1"),
    SIP_PORT: zPort(5060),
    SIP_HOST: zBindAddress("127.0.0.1"),
    SIP_REALM: z
      .string()
      .regex(/^[A-Za-z0-9.-]{1,64}$/, "must be a host-like name (letters, digits, dots, dashes)")
      .default("forkline"),
    PUBLIC_IP: zBindAddress("127.0.0.1"),
    MEDIA_ENGINE_URI: z
      .string()
      .refine(
        (v) => v.split(",").every((u) => /^sips?:[^\s,]+$/.test(u.trim())),
        "must be a comma-separated list of SIP URIs such as sip:127.0.0.1:5070",
      )
      .optional(),
    MEDIA_ENGINE_SIP_PORT: zPort(5070),
    /** How long a call waits at a routing point for a TRouteCall before the default target is used. */
    ROUTE_TIMEOUT_MS: z.coerce.number({ error: "must be a number" }).int().min(0).max(60_000).default(2_000),
    RECORDER_SIP_PORT: zPort(5080),
    RECORDER_HTTP_PORT: zPort(5081),
    DATABASE_URL: zSqliteOrPostgresUrl,
    RECORDINGS_DIR: z.string().min(1).default("./recordings"),
    TLS_CERT: z.string().min(1).optional(),
    TLS_KEY: z.string().min(1).optional(),
    /** Initial admin password for a new database; generated and printed when unset. */
    ADMIN_PASSWORD: z.string().min(8, "must be at least 8 characters").optional(),
    SESSION_TTL_HOURS: z.coerce
      .number({ error: "must be a number" })
      .positive()
      .max(24 * 30)
      .default(12),
    SEED_DEMO: zBool(true),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  })
  .refine((env) => Boolean(env.TLS_CERT) === Boolean(env.TLS_KEY), {
    message: "TLS_CERT and TLS_KEY must be set together",
    path: ["TLS_CERT"],
  });

export type ServerEnv = z.infer<typeof serverEnvSchema> & { mediaEngineUris: string[] };

export function loadServerEnv(source: EnvSource): ServerEnv {
  const env = parseEnv(serverEnvSchema, source);
  const mediaEngineUris = (env.MEDIA_ENGINE_URI ?? `sip:127.0.0.1:${env.MEDIA_ENGINE_SIP_PORT}`)
    .split(",")
    .map((u) => u.trim());
  return { ...env, mediaEngineUris };
}
