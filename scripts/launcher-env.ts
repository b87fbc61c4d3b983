import { randomBytes } from "node:crypto";
import { z } from "zod";
import { documented, type EnvSource, parseEnv } from "../common/env-schema";

/** The processes a launcher can run; a host may run any of them (docs/DEPLOYMENT.md). */
export const SERVICES = ["server", "recorder", "media-engine"] as const;
export type Service = (typeof SERVICES)[number];

const zServices = z
  .string()
  .default(SERVICES.join(","))
  .transform((value, ctx) => {
    const names = value
      .split(",")
      .map((name) => name.trim())
      .filter((name) => name !== "");
    const unknown = names.filter((name) => !(SERVICES as readonly string[]).includes(name));
    if (unknown.length > 0 || names.length === 0) {
      ctx.addIssue({
        code: "custom",
        message: `${unknown.length > 0 ? `unknown service ${unknown.join(", ")}; ` : ""}give one or more of ${SERVICES.join(", ")}`,
      });
      return z.NEVER;
    }
    return [...new Set(names)] as Service[];
  });

export const launcherEnvSchema = z.object({
  FORKLINE_SERVICES: documented(
    zServices,
    "`npm start`: the processes this host runs, of `server,recorder,media-engine` (`npm run media-engine` runs only media engines, for a media host)",
  ),
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  FORKLINE_READY_TIMEOUT_MS: documented(
    z.coerce.number({ error: "must be a number" }).int().min(1000).default(120_000),
    "`npm start`: how long a child may take to report ready before the launcher gives up",
  ),
  FORKLINE_AUTO_BUILD: documented(
    z.enum(["true", "false"]).default("true"),
    "`npm start`: `false` skips the automatic `next build` (images that build separately)",
  ),
  MEDIA_ENGINE_WORKERS: documented(
    z.coerce.number({ error: "must be a number" }).int().min(1).max(16).default(1),
    "`npm start`: media engine processes to run, one per core to use; the server spreads calls over them",
  ),
  MEDIA_ENGINE_HOST: z.string().default("127.0.0.1"),
  MEDIA_ENGINE_SIP_PORT: z.coerce.number({ error: "must be a number" }).int().min(1).max(65535).default(5070),
  MEDIA_ENGINE_HTTP_PORT: z.coerce
    .number({ error: "must be a number" })
    .int()
    .min(1)
    .max(65535)
    .default(5071),
  RTP_PORT_MIN: z.coerce.number({ error: "must be a number" }).int().min(1024).max(65535).default(20000),
  RTP_PORT_MAX: z.coerce.number({ error: "must be a number" }).int().min(1024).max(65535).default(29999),
});

export type LauncherEnv = z.infer<typeof launcherEnvSchema> & {
  /** Passed whole to every child: each validates its own variables. */
  childEnvironment: NodeJS.ProcessEnv;
  /** One environment per media engine worker: its own ports and slice of the RTP range. */
  mediaEngineEnvironments: NodeJS.ProcessEnv[];
};

export function loadLauncherEnv(source: EnvSource): LauncherEnv {
  const env = parseEnv(launcherEnvSchema, source);
  const workers = env.MEDIA_ENGINE_WORKERS;
  const slice = Math.floor((env.RTP_PORT_MAX - env.RTP_PORT_MIN + 1) / workers);
  // Worker i listens 100 ports above worker i-1, so 5070/5071, 5170/5171, …
  const engines = Array.from({ length: workers }, (_, i) => ({
    sip: env.MEDIA_ENGINE_SIP_PORT + 100 * i,
    http: env.MEDIA_ENGINE_HTTP_PORT + 100 * i,
    rtpMin: env.RTP_PORT_MIN + slice * i,
    rtpMax: i === workers - 1 ? env.RTP_PORT_MAX : env.RTP_PORT_MIN + slice * (i + 1) - 1,
  }));
  // The engines (and the lab recorder) take orders from this host only by default: over
  // loopback, or from the engines' own address when they listen on a specific one.
  const specific = [env.MEDIA_ENGINE_HOST, source.PUBLIC_IP].filter(
    (host): host is string => host !== undefined && host !== "" && host !== "0.0.0.0" && host !== "::",
  );
  const thisHost = [...new Set(["127.0.0.1", "::1", ...specific])].join(",");
  // Server and engines launched together share a secret drawn for this run, so nothing else on
  // the network can open legs even where the allow-list is wide. Split over hosts, the admin sets
  // the same MEDIA_ENGINE_SECRET on each (a secret drawn here would match no other host).
  const together = env.FORKLINE_SERVICES.includes("server") && env.FORKLINE_SERVICES.includes("media-engine");
  const secret = source.MEDIA_ENGINE_SECRET ?? (together ? randomBytes(24).toString("base64url") : undefined);
  const childEnvironment: NodeJS.ProcessEnv = {
    ...source,
    ...(secret === undefined ? {} : { MEDIA_ENGINE_SECRET: secret }),
    RECORDER_ALLOWED_SOURCES: source.RECORDER_ALLOWED_SOURCES ?? thisHost,
    NODE_ENV: env.NODE_ENV,
    NEXT_TELEMETRY_DISABLED: source.NEXT_TELEMETRY_DISABLED ?? "1",
    MEDIA_ENGINE_URI:
      source.MEDIA_ENGINE_URI ?? engines.map((e) => `sip:${env.MEDIA_ENGINE_HOST}:${e.sip}`).join(","),
  };
  const allowedSources = source.MEDIA_ENGINE_ALLOWED_SOURCES ?? thisHost;
  const mediaEngineEnvironments = engines.map((e) => ({
    ...childEnvironment,
    MEDIA_ENGINE_ALLOWED_SOURCES: allowedSources,
    MEDIA_ENGINE_SIP_PORT: String(e.sip),
    MEDIA_ENGINE_HTTP_PORT: String(e.http),
    RTP_PORT_MIN: String(e.rtpMin),
    RTP_PORT_MAX: String(e.rtpMax),
  }));
  return { ...env, childEnvironment, mediaEngineEnvironments };
}
