import { ContainedErrors } from "../common/contained-errors";
import { loadEnvOrExit } from "../common/env-schema";
import { notifyReady } from "../common/process-ready";
import { loadRecorderEnv } from "./env";
import { startRecorderHttp } from "./recorder-http";
import { createLogger } from "../common/logger";
import { createMetricsRegistry, metricsAnswer } from "../common/metrics";
import { SourceGate } from "../sip-core";
import { SiprecRecorder } from "./siprec-recorder";
import { recordingsToken, TOKEN_FILE } from "./recordings-token";
import fs from "node:fs";
import path from "node:path";

const env = loadEnvOrExit("forkline-recorder", () => loadRecorderEnv(process.env));

// One recording's failure (a socket callback, a timer, a promise nobody awaited) must not end the
// process and every other recording in it: logged once, counted, served at /metrics.
const log = createLogger("recorder", env.LOG_LEVEL);
const metrics = createMetricsRegistry();
const errors = new ContainedErrors(log, metrics);
errors.installProcessGuard();

const recorder = await SiprecRecorder.start({
  sipHost: env.RECORDER_SIP_HOST,
  sipPort: env.RECORDER_SIP_PORT,
  advertisedHost: env.RECORDER_ADVERTISED_HOST,
  rtpPortMin: env.RECORDER_RTP_PORT_MIN,
  rtpPortMax: env.RECORDER_RTP_PORT_MAX,
  recordingsDir: env.RECORDINGS_DIR,
  rtpTimeoutMs: env.RECORDER_RTP_TIMEOUT_MS,
  ...(env.RECORDER_TLS_CERT === undefined || env.RECORDER_TLS_KEY === undefined
    ? {}
    : {
        tls: {
          port: env.RECORDER_TLS_PORT,
          cert: fs.readFileSync(env.RECORDER_TLS_CERT),
          key: fs.readFileSync(env.RECORDER_TLS_KEY),
        },
      }),
  log,
  errors,
  // Recordings only from the media engines named (a SIPREC flood would fill the disk and take
  // every RTP port); a burst rate per source well above any engine's recording starts.
  gate: new SourceGate({ allowed: env.RECORDER_ALLOWED_SOURCES, invitesPerSecond: 200, burst: 400 }),
});

const http = await startRecorderHttp({
  host: env.RECORDER_HOST,
  port: env.RECORDER_HTTP_PORT,
  recordingsDir: env.RECORDINGS_DIR,
  token: recordingsToken(env.RECORDINGS_DIR, env.RECORDER_HTTP_TOKEN),
  health: () => ({ activeRecordings: recorder.activeRecordings }),
  metrics: () => metricsAnswer(metrics),
});

notifyReady({
  service: "recorder",
  http: `http://${env.RECORDER_HOST}:${http.port}`,
  sip: `sip:recorder@${env.RECORDER_ADVERTISED_HOST ?? env.RECORDER_SIP_HOST}:${recorder.udpPort}`,
  recordingsDir: env.RECORDINGS_DIR,
  tokenFile:
    env.RECORDER_HTTP_TOKEN === undefined
      ? path.resolve(env.RECORDINGS_DIR, TOKEN_FILE)
      : "RECORDER_HTTP_TOKEN",
});

let stopping = false;
// Open recordings are finalized before exit, so a stop never leaves a WAV with a stale header.
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  try {
    const finished = await recorder.close();
    if (finished.length > 0) log.info({ count: finished.length }, "finalized open recordings at shutdown");
  } catch (error) {
    log.error({ error: error instanceof Error ? error.message : String(error) }, "shutdown failed");
  }
  await http.close();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown());
process.on("SIGINT", () => void shutdown());
process.on("disconnect", () => void shutdown());
