import fs from "node:fs";
import { ContainedErrors } from "../common/contained-errors";
import { loadEnvOrExit } from "../common/env-schema";
import { notifyReady } from "../common/process-ready";
import { jsonAnswer, startHttpEndpoint } from "../common/start-http-endpoint";
import { createLogger } from "../common/logger";
import { createMetricsRegistry, metricsAnswer } from "../common/metrics";
import { MediaEngineService } from "./control/media-engine-service";
import { SourceGate } from "../sip-core";
import { loadMediaEngineEnv } from "./env";
import { registerEngineMetrics } from "./engine-metrics";
import { EnginePortPool } from "./rtp";

const env = loadEnvOrExit("forkline-media-engine", () => loadMediaEngineEnv(process.env));
const log = createLogger("media-engine", env.LOG_LEVEL);
const metrics = createMetricsRegistry();
// One call's failure must not end the process and every other call in it: what escapes anyway
// (an unhandled rejection, a throw from a timer or socket callback) is logged and counted here.
const errors = new ContainedErrors(log, metrics);
errors.installProcessGuard();

// One range for plain RTP (legs, recording streams) and browsers' ICE sockets alike, with a small
// floor kept for browsers only once plain RTP has taken the rest (EnginePortPool says why).
const service = await MediaEngineService.start({
  sipHost: env.MEDIA_ENGINE_HOST,
  sipPort: env.MEDIA_ENGINE_SIP_PORT,
  publicAddress: env.PUBLIC_IP,
  rtpBindHost: env.MEDIA_ENGINE_HOST,
  portPool: new EnginePortPool(env.RTP_PORT_MIN, env.RTP_PORT_MAX),
  inactivityTimeoutMs: env.RTP_INACTIVITY_TIMEOUT_S * 1000,
  gate: new SourceGate({
    allowed: env.MEDIA_ENGINE_ALLOWED_SOURCES,
    invitesPerSecond: env.MEDIA_ENGINE_INVITE_RATE,
    burst: 2 * env.MEDIA_ENGINE_INVITE_RATE,
  }),
  errors,
  log,
  heartbeat: { port: env.MEDIA_ENGINE_HEARTBEAT_PORT, allowed: env.MEDIA_ENGINE_ALLOWED_SOURCES },
  ...(env.MEDIA_ENGINE_SECRET === undefined ? {} : { secret: env.MEDIA_ENGINE_SECRET }),
  recorderTls: env.MEDIA_ENGINE_TLS_CA === undefined ? {} : { ca: fs.readFileSync(env.MEDIA_ENGINE_TLS_CA) },
});

registerEngineMetrics(metrics, service);

const http = await startHttpEndpoint({
  host: env.MEDIA_ENGINE_HOST,
  port: env.MEDIA_ENGINE_HTTP_PORT,
  routes: {
    "/healthz": () =>
      jsonAnswer({ ok: true, service: "media-engine", legs: service.legCount, boot: service.bootId }),
    "/metrics": () => metricsAnswer(metrics),
  },
});

notifyReady({
  service: "media-engine",
  http: `http://${env.MEDIA_ENGINE_HOST}:${http.port}`,
  sip: `sip:${env.MEDIA_ENGINE_HOST}:${service.sipPort}`,
});
log.info(`boot ${service.bootId}`);

let stopping = false;
const shutdown = () => {
  if (stopping) return;
  stopping = true;
  log.info("shutting down: hanging up every leg");
  void Promise.allSettled([service.close(), http.close()]).then(() => process.exit(0));
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
process.on("disconnect", shutdown);
