import { z } from "zod";
import { zAllowedSources } from "../common/allowed-sources";
import { databaseKindOf } from "../common/database-url";
import {
  documented,
  type EnvSource,
  parseEnv,
  zBindAddress,
  zBool,
  zPort,
  zLogLevel,
  zDatabaseUrl,
  zDataDir,
  zEngineSecret,
} from "../common/env-schema";

export const serverEnvSchema = z
  .object({
    NODE_ENV: documented(
      z.enum(["development", "production", "test"]).default("production"),
      "`development` serves the web app from `next dev`; `production` from the build",
    ),
    HTTP_PORT: documented(zPort(3000), "web UI, tRPC, SIP over WebSocket (`/sip`)"),
    HTTP_HOST: documented(zBindAddress("127.0.0.1"), "address the web UI listens on"),
    SIP_PORT: documented(zPort(5060), "SIP Server UDP/TCP"),
    SIP_HOST: documented(zBindAddress("127.0.0.1"), "address the SIP Server listens on"),
    SIP_REALM: documented(
      z
        .string()
        .regex(/^[A-Za-z0-9.-]{1,64}$/, "must be a host-like name (letters, digits, dots, dashes)")
        .default("forkline"),
      "digest authentication realm of registrations and calls",
    ),
    PUBLIC_IP: documented(zBindAddress("127.0.0.1"), "address announced in SDP and URLs"),
    MEDIA_ENGINE_URI: documented(
      z
        .string()
        .refine(
          (v) => v.split(",").every((u) => /^sips?:[^\s,]+$/.test(u.trim())),
          "must be a comma-separated list of SIP URIs such as sip:127.0.0.1:5070",
        )
        .optional(),
      "the SIP Server's media engines, comma separated; each is kept alive every 500 ms and its calls are ended within 2 s of its death",
      "`sip:127.0.0.1:<MEDIA_ENGINE_SIP_PORT>` (one per worker)",
    ),
    MEDIA_ENGINE_SECRET: zEngineSecret,
    MEDIA_ENGINE_SIP_PORT: documented(zPort(5070), "media engine SIP (MSML); worker i listens 100·i above"),
    ROUTE_TIMEOUT_MS: documented(
      z.coerce.number({ error: "must be a number" }).int().min(0).max(60_000).default(2_000),
      "how long a call waits at a routing point for a `TRouteCall` before the default target is used",
    ),
    RECORDER_SIP_PORT: documented(zPort(5080), "lab recorder SIPREC"),
    RECORDER_HTTP_PORT: documented(
      zPort(5081),
      "lab recorder health and the `/recordings` listing; the server fetches recordings from it for playback",
    ),
    RECORDER_HTTP_TOKEN: documented(
      z.string().min(16, "must be at least 16 characters").optional(),
      "lab recorder: the bearer token its `/recordings` listing and files require; the server shows it when it fetches a recording for playback",
      // The recorder generates it; the server reads the same file.
      "generated, saved in `RECORDINGS_DIR/.http-token`",
    ),
    DATABASE_URL: documented(
      zDatabaseUrl,
      "the database: SQLite (`file:`) or PostgreSQL (`postgresql://user:password@host:5432/db`)",
    ),
    DATA_DIR: zDataDir,
    RECORDINGS_DIR: documented(
      z.string().min(1).default("./recordings"),
      "where the lab recorder writes WAV + JSON",
    ),
    TLS_CERT: documented(
      z.string().min(1).optional(),
      "PEM certificate: serve HTTPS/WSS (browsers give microphones only to localhost or HTTPS); set with `TLS_KEY`",
    ),
    TLS_KEY: documented(z.string().min(1).optional(), "PEM private key of `TLS_CERT`"),
    SIP_TLS_PORT: documented(
      zPort(5061),
      "SIP Server over TLS (`sips:`, phones and trunks); listened on when a certificate is set (`SIP_TLS_CERT`, or `TLS_CERT`)",
    ),
    SIP_TLS_CERT: documented(
      z.string().min(1).optional(),
      "PEM certificate of SIP over TLS; set with `SIP_TLS_KEY`",
      "`TLS_CERT`",
    ),
    SIP_TLS_KEY: documented(z.string().min(1).optional(), "PEM private key of `SIP_TLS_CERT`", "`TLS_KEY`"),
    SIP_TLS_CA: documented(
      z.string().min(1).optional(),
      "PEM file of the CAs that sign the certificates of TLS peers the server connects to (trunks, recorders); their names must match",
      "the system's CAs",
    ),
    ADMIN_PASSWORD: documented(
      z.string().min(8, "must be at least 8 characters").optional(),
      "the first admin password of a new database",
      "generated and printed",
    ),
    SESSION_TTL_HOURS: documented(
      z.coerce
        .number({ error: "must be a number" })
        .positive()
        .max(24 * 30)
        .default(12),
      "how long a web sign-in lasts",
    ),
    SEED_DEMO: documented(zBool(true), "seed demo DNs on a new database"),
    LOG_LEVEL: zLogLevel,
    HA_NODE: documented(
      z
        .string()
        .regex(/^[A-Za-z0-9._-]{1,64}$/, "must be a short name (letters, digits, dots, dashes), e.g. ctl-a")
        .optional(),
      "this SIP Server's name in an HA pair (primary and backup on one PostgreSQL database, the same SIP address): the instance holding the lease serves SIP, the other watches it and takes the address and the calls over when the lease expires",
      "unset: a single server",
    ),
    HA_LEASE_MS: documented(
      z.coerce.number({ error: "must be a number" }).int().min(300).max(30_000).default(1_500),
      "HA pair: how long the active instance's lease lasts unless renewed (every fifth of it); a backup takes over this long after the active one's last renewal",
    ),
    HA_VIP_UP_COMMAND: documented(
      z.string().min(1).optional(),
      "HA pair: shell command run before an instance serves SIP, to bring the shared SIP address up on its host (e.g. `ip addr add 10.0.0.10/24 dev eth0 && arping -U -c1 -I eth0 10.0.0.10`)",
      "none (the address is managed elsewhere)",
    ),
    HA_VIP_DOWN_COMMAND: documented(
      z.string().min(1).optional(),
      "HA pair: shell command run when an instance starts as backup or loses the lease, to take the shared SIP address off its host",
      "none",
    ),
    METRICS_ALLOWED_SOURCES: documented(
      zAllowedSources("127.0.0.1,::1"),
      "addresses or CIDR blocks (comma-separated) that may read the server's Prometheus `/metrics` on the web port; others get 403",
    ),
  })
  .refine((env) => Boolean(env.TLS_CERT) === Boolean(env.TLS_KEY), {
    message: "TLS_CERT and TLS_KEY must be set together",
    path: ["TLS_CERT"],
  })
  .refine((env) => env.HA_NODE === undefined || databaseKindOf(env.DATABASE_URL) === "postgresql", {
    message: "an HA pair (HA_NODE) shares its state in PostgreSQL: set DATABASE_URL to a postgresql:// URL",
    path: ["HA_NODE"],
  })
  .refine((env) => Boolean(env.SIP_TLS_CERT) === Boolean(env.SIP_TLS_KEY), {
    message: "SIP_TLS_CERT and SIP_TLS_KEY must be set together",
    path: ["SIP_TLS_CERT"],
  });

export type ServerEnv = z.infer<typeof serverEnvSchema> & { mediaEngineUris: string[] };

export function loadServerEnv(source: EnvSource): ServerEnv {
  const env = parseEnv(serverEnvSchema, source);
  const mediaEngineUris = (env.MEDIA_ENGINE_URI ?? `sip:127.0.0.1:${env.MEDIA_ENGINE_SIP_PORT}`)
    .split(",")
    .map((u) => u.trim());
  return { ...env, mediaEngineUris };
}
