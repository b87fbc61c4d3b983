import path from "node:path";
import { fileURLToPath } from "node:url";
import { ContainedErrors } from "../common/contained-errors";
import { localDataDir } from "../common/database-url";
import { createLogger } from "../common/logger";
import { createMetricsRegistry } from "../common/metrics";
import { loadEnvOrExit } from "../common/env-schema";
import { notifyReady } from "../common/process-ready";
import { AgentStateService } from "./services/agents/agent-state-service";
import { CtiEventBus } from "./cti/cti-event-bus";
import { CtiService } from "./cti/cti-service";
import { loadServerEnv } from "./env";
import { sipWebSocketAdmission } from "./http/sip-websocket-admission";
import { createHttpServer } from "./http/create-http-server";
import type { ContextDeps } from "./http/create-trpc-context";
import { LoginThrottle } from "./services/auth/login-throttle";
import { bootstrap } from "./services/bootstrap/bootstrap";
import { createDb } from "./services/db";
import { RecordingHistoryService } from "./services/recording/recording-history-service";
import { AlarmService } from "./services/alarms/alarm-service";
import { RecordingService } from "./services/recording/recording-service";
import { ActiveCallService } from "./services/calls/active-call-service";
import { EngineLossService } from "./services/calls/engine-loss-service";
import { SipServer } from "./sip/sip-server";
import { registerServerMetrics } from "./server-metrics";

const env = loadEnvOrExit("forkline-server", () => loadServerEnv(process.env));
const log = createLogger("server", env.LOG_LEVEL);
const metrics = createMetricsRegistry();
// One call's error must not end the server and every other call: anything that escapes is
// logged once and counted instead of killing the process.
const errors = new ContainedErrors(log, metrics);
errors.installProcessGuard();
const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const db = createDb(env.DATABASE_URL);
const boot = await bootstrap(db, {
  dataDir: localDataDir(env.DATABASE_URL, env.DATA_DIR),
  adminPassword: env.ADMIN_PASSWORD,
  seedDemo: env.SEED_DEMO,
  sipRealm: env.SIP_REALM,
  recorderUri: `sip:127.0.0.1:${env.RECORDER_SIP_PORT}`,
});
// Everything is built first and the HTTP port opens last: no request meets a half-wired server.
const ctiBus = new CtiEventBus();
const agents = new AgentStateService(db, ctiBus);
// Agents stay logged in across a restart: their Agent Login's full-time recording must go on.
const restoredAgents = await agents.restore();
if (restoredAgents > 0) log.info(`${restoredAgents} agent login(s) restored`);
const http = await createHttpServer(env, { rootDir });
// Established calls survive a restart: the SIP Server takes them up (before it listens), and
// their recordings go on; any other recording left open was the old process's and is closed.
const callStore = new ActiveCallService(db);
const sip = await SipServer.create({
  env,
  db,
  cti: ctiBus,
  httpServer: http.server,
  log,
  agentOf: (dn) => agents.agentOnDn(dn),
  admitWebSocket: sipWebSocketAdmission(db),
  onError: (error) => errors.report("sip", error),
  callStore,
});
const adoptedCalls = new Set(sip.calls.list().map((call) => call.connId));
await new RecordingHistoryService(db).failOrphans("server restarted", adoptedCalls);
const recordings = new RecordingService(
  db,
  sip.calls,
  ctiBus,
  (dn) => agents.agentOnDn(dn),
  (error) => errors.report("recording", error),
);
const resumed = await recordings.adopt(adoptedCalls);
if (resumed > 0) log.info(`${resumed} recording(s) of those calls go on`);
const cti = new CtiService(ctiBus, agents, sip.calls, recordings);
const alarms = new AlarmService(db);
sip.media.onHealth(
  (engine) =>
    void alarms.engineHealth(engine).catch((error: unknown) => errors.report("alarm", error, engine.uri)),
);
const engineLoss = new EngineLossService(sip.calls, recordings, alarms);
sip.media.onEngineLost((loss) => {
  log.warn({ engine: loss.uri, cause: loss.cause }, `${loss.detail}; ending the calls it held`);
  void engineLoss.handle(loss).catch((error: unknown) => errors.report("engine_loss", error, loss.uri));
});
const deps: ContextDeps = {
  db,
  env,
  throttle: new LoginThrottle(),
  cti,
  calls: sip.calls,
  recordings,
  sipProbe: (uri) => sip.probe(uri),
};
registerServerMetrics(metrics, {
  calls: () => sip.calls.list().length,
  registeredAors: () => sip.registrar.registeredAors().length,
  media: sip.media,
  liveRecordings: () => recordings.liveCountByState(),
});
await sip.listen();
await http.listen(deps, metrics);

notifyReady({
  service: "server",
  urls: { ui: http.url, trpc: `${http.url}/api/trpc` },
  firstStart: boot.firstStart,
  credentials: boot.credentials,
  credentialsFile: boot.credentialsFile,
  apiTokenFile: boot.apiTokenFile,
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info(`${signal}, stopping`);
  // Calls end with a BYE and their recordings with the engine's final report, within 4 s.
  // Then the history writes those endings started (stopped, failed, gaps) before the database closes.
  await Promise.race([
    sip.calls.releaseAll("server stopping", 'SIP;cause=503;text="Server shutting down"').then(() => {
      recordings.close();
      return recordings.idle();
    }),
    new Promise((resolve) => setTimeout(resolve, 4_000).unref()),
  ]);
  await sip.close();
  await http.close();
  await db.$disconnect();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("disconnect", () => void shutdown("launcher gone"));
