import { loadEnvOrExit } from "../common/env-schema";
import { notifyReady } from "../common/process-ready";
import { jsonAnswer, startHttpEndpoint } from "../common/start-http-endpoint";
import { loadRecorderEnv } from "./env";
import { listRecordings } from "./list-recordings";

const env = loadEnvOrExit("forkline-recorder", () => loadRecorderEnv(process.env));

// The SIPREC side (RECORDER_SIP_PORT) arrives with the recording-proxy issue; the HTTP
// listing of what RECORDINGS_DIR holds works already.
const http = await startHttpEndpoint({
  host: env.RECORDER_HOST,
  port: env.RECORDER_HTTP_PORT,
  routes: {
    "/healthz": () => jsonAnswer({ ok: true, service: "recorder" }),
    "/recordings": async () => jsonAnswer(await listRecordings(env.RECORDINGS_DIR)),
  },
});

notifyReady({
  service: "recorder",
  http: `http://${env.RECORDER_HOST}:${http.port}`,
  recordingsDir: env.RECORDINGS_DIR,
});

const shutdown = () => void http.close().then(() => process.exit(0));
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
process.on("disconnect", shutdown);
