import { loadEnvOrExit } from "../common/env-schema";
import { notifyReady } from "../common/process-ready";
import { startUdpSipEndpoint } from "../common/udp-sip-endpoint";
import { loadMediaEngineEnv } from "./env";

const env = loadEnvOrExit("forkline-media-engine", () => loadMediaEngineEnv(process.env));

// Answers OPTIONS so that the SIP Server's health check sees it; dialogs and MSML come with
// the media-plane issue and are refused with 501 until then rather than half-handled.
const sip = await startUdpSipEndpoint({
  host: env.MEDIA_ENGINE_HOST,
  port: env.MEDIA_ENGINE_SIP_PORT,
  userAgent: "Forkline media engine",
  handle: (req) =>
    req.method === "OPTIONS"
      ? { status: 200, headers: { Allow: "OPTIONS", Accept: "application/sdp, application/msml+xml" } }
      : { status: 501, reason: "Not Implemented" },
});

notifyReady({ service: "media-engine", sip: `sip:${env.MEDIA_ENGINE_HOST}:${sip.port}` });

const shutdown = () => void sip.close().then(() => process.exit(0));
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
process.on("disconnect", shutdown);
