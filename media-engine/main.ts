import { loadEnvOrExit } from "../common/env-schema";
import { notifyReady } from "../common/process-ready";
import { jsonAnswer, startHttpEndpoint } from "../common/start-http-endpoint";
import { loadMediaEngineEnv } from "./env";
import { renderProcessMetrics } from "./process-metrics";

const env = loadEnvOrExit("forkline-media-engine", () => loadMediaEngineEnv(process.env));
const startedAt = new Date();

// The SIP/MSML side (MEDIA_ENGINE_SIP_PORT) and the RTP relay arrive with the media-plane
// issue; until then the process offers only its health and metrics endpoints.
const http = await startHttpEndpoint({
  host: env.MEDIA_ENGINE_HOST,
  port: env.MEDIA_ENGINE_HTTP_PORT,
  routes: {
    "/healthz": () => jsonAnswer({ ok: true, service: "media-engine" }),
    "/metrics": () => ({
      status: 200,
      contentType: "text/plain; version=0.0.4",
      body: renderProcessMetrics(startedAt),
    }),
  },
});

notifyReady({ service: "media-engine", http: `http://${env.MEDIA_ENGINE_HOST}:${http.port}` });

const shutdown = () => void http.close().then(() => process.exit(0));
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
process.on("disconnect", shutdown);
