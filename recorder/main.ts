import { loadEnvOrExit } from "../common/env-schema";
import { notifyReady } from "../common/process-ready";
import { startUdpSipEndpoint } from "../common/udp-sip-endpoint";
import { loadRecorderEnv } from "./env";

const env = loadEnvOrExit("forkline-recorder", () => loadRecorderEnv(process.env));

// Answers OPTIONS so that admins can test the recorder entry; SIPREC sessions come with
// the recording-proxy issue and are refused with 501 until then.
const sip = await startUdpSipEndpoint({
  host: env.RECORDER_HOST,
  port: env.RECORDER_SIP_PORT,
  userAgent: "Forkline lab recorder",
  handle: (req) =>
    req.method === "OPTIONS"
      ? { status: 200, headers: { Allow: "OPTIONS", Supported: "siprec" } }
      : { status: 501, reason: "Not Implemented" },
});

notifyReady({
  service: "recorder",
  sip: `sip:${env.RECORDER_HOST}:${sip.port}`,
  recordingsDir: env.RECORDINGS_DIR,
});

const shutdown = () => void sip.close().then(() => process.exit(0));
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
process.on("disconnect", shutdown);
