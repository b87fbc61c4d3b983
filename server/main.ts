import path from "node:path";
import { fileURLToPath } from "node:url";
import { ContainedErrors } from "../common/contained-errors";
import { localDataDir } from "../common/database-url";
import { createLogger } from "../common/logger";
import { createMetricsRegistry } from "../common/metrics";
import { registerApiTokenRefusalMetrics } from "./services/auth/api-token-refusals";
import { loadEnvOrExit } from "../common/env-schema";
import { notifyReady } from "../common/process-ready";
import { DnActivityRecorder } from "./services/activity/dn-activity-service";
import { AgentStateService } from "./services/agents/agent-state-service";
import { CtiEventBus } from "./cti/cti-event-bus";
import { loadServerEnv } from "./env";
import { createHttpServer } from "./http/create-http-server";
import type { ContextDeps } from "./http/create-trpc-context";
import { LoginThrottle } from "./services/auth/login-throttle";
import { softphoneCredentialsCounter } from "./services/auth/softphone-credential-service";
import { bootstrap } from "./services/bootstrap/bootstrap";
import { createDb, prepareDb } from "./services/db";
import { AlarmService, alarmEvents } from "./services/alarms/alarm-service";
import { configEvents } from "./services/config/config-events";
import { ServerLeaseService } from "./services/cluster/server-lease-service";
import { ClusterLink } from "./cluster/cluster-link";
import { bridgeEvents } from "./cluster/event-bridge";
import { forwardedApi, serveForwardedApi } from "./cluster/forwarded-api";
import { HaMembership } from "./cluster/ha-membership";
import { LiveCallsMirror, LiveCallsPublisher } from "./cluster/live-calls-mirror";
import { type SipSide, startSipSide } from "./start-sip-side";

const env = loadEnvOrExit("forkline-server", () => loadServerEnv(process.env));
const log = createLogger("server", env.LOG_LEVEL);
const metrics = createMetricsRegistry();
metrics.registerMetric(softphoneCredentialsCounter);
registerApiTokenRefusalMetrics(metrics);
// One call's error must not end the server and every other call: anything that escapes is
// logged once and counted instead of killing the process.
const errors = new ContainedErrors(log, metrics);
errors.installProcessGuard();
const report = (where: string, error: unknown) => errors.report(where, error);
const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const db = createDb(env.DATABASE_URL);
await prepareDb(db);
const boot = await bootstrap(db, {
  dataDir: localDataDir(env.DATABASE_URL, env.DATA_DIR),
  adminPassword: env.ADMIN_PASSWORD,
  seedDemo: env.SEED_DEMO,
  sipRealm: env.SIP_REALM,
  recorderUri: `sip:127.0.0.1:${env.RECORDER_SIP_PORT}`,
});
// Everything is built first and the HTTP port opens last: no request meets a half-wired server.
const ctiBus = new CtiEventBus();
// The softphone's activity list outlives a reload and a restart: each instance keeps what it
// publishes (an HA pair's other instance keeps its own, so each event is written once).
const activity = new DnActivityRecorder(db, (error) => report("dn_activity", error));
ctiBus.onLocalPublish((event) => activity.record(event));
const agents = new AgentStateService(db, ctiBus);
// Agents stay logged in across a restart: their Agent Login's full-time recording must go on.
const restoredAgents = await agents.restore();
if (restoredAgents > 0) log.info(`${restoredAgents} agent login(s) restored`);
const alarms = new AlarmService(db);
const http = await createHttpServer(env, { rootDir });
const sipSideDeps = { env, db, log, errors, metrics, http, ctiBus, agents, alarms };
let sipSide: SipSide | undefined;

// An HA pair (HA_NODE): both instances serve the web UI and the API; only the one holding the
// lease serves SIP. The other forwards what concerns calls to it and mirrors its live calls.
const ha =
  env.HA_NODE === undefined
    ? undefined
    : await (async () => {
        const node = env.HA_NODE!;
        const link = await ClusterLink.connect({ url: env.DATABASE_URL, node, log, report });
        bridgeEvents(link, {
          cti: ctiBus,
          config: configEvents,
          alarms: alarmEvents,
          onRemoteAgentChange: () =>
            void agents.reload().catch((error: unknown) => report("ha_agents", error)),
        });
        const membership = new HaMembership({
          node,
          leaseMs: env.HA_LEASE_MS,
          lease: new ServerLeaseService(db, node, env.HA_LEASE_MS),
          ...(env.HA_VIP_UP_COMMAND === undefined ? {} : { vipUp: env.HA_VIP_UP_COMMAND }),
          ...(env.HA_VIP_DOWN_COMMAND === undefined ? {} : { vipDown: env.HA_VIP_DOWN_COMMAND }),
          log,
          report,
        });
        await membership.startAsStandby();
        return { link, membership, mirror: new LiveCallsMirror(link) };
      })();

const deps: ContextDeps = {
  db,
  env,
  throttle: new LoginThrottle(),
  ...(ha === undefined
    ? (sipSide = await startSipSide(sipSideDeps)).api
    : // A backup runs no media engine pool: the dashboard reads engine health from the alarms.
      { ...forwardedApi(ha.link, ha.mirror, ctiBus, agents), engineStatus: () => null }),
};
if (sipSide !== undefined) await sipSide.sip.listen();
await http.listen(deps, metrics, { servesSip: () => sipSide !== undefined });

notifyReady({
  service: "server",
  urls: { ui: http.url, trpc: `${http.url}/api/trpc` },
  firstStart: boot.firstStart,
  credentials: boot.credentials,
  credentialsFile: boot.credentialsFile,
  apiTokenFile: boot.apiTokenFile,
});

let stopping = false;

if (ha !== undefined) {
  const { link, membership } = ha;
  // A lost lease means another instance may already serve the address: stop serving SIP at
  // once, with no BYE (the calls are the other instance's now), and start again as a backup.
  membership.onLost = (reason) => {
    log.error(
      `HA: ${env.HA_NODE} lost the SIP Server lease (${reason}); stopping to start again as the backup`,
    );
    stopping = true;
    void membership.takeAddressDown().finally(() => process.exit(75));
  };
  const stop = new AbortController();
  process.once("exit", () => stop.abort());
  void membership.waitUntilActive(stop.signal).then(async () => {
    if (stopping) return;
    const started = performance.now();
    // The same take-up as a restart: registrations, agents, established calls from the database.
    await agents.reload();
    const side = await startSipSide(sipSideDeps);
    Object.assign(deps, side.api);
    serveForwardedApi(link, side.api);
    await side.sip.listen();
    sipSide = side;
    new LiveCallsPublisher(link, side.api.liveCalls, report).start();
    log.info(
      `HA: ${env.HA_NODE} serves SIP (${side.sip.calls.list().length} call(s) taken up in ${Math.round(performance.now() - started)} ms)`,
    );
  });
}

async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info(`${signal}, stopping`);
  if (ha?.membership.current === "active") {
    // A switchover: the backup takes the calls up (the lease is given back at once, so it need
    // not wait for it to expire), as a Genesys HA pair switches over when its primary is stopped.
    await sipSide?.handOver();
  } else {
    // Calls end with a BYE and their recordings with the engine's final report, within 4 s; the
    // history writes those endings (stopped, failed, gaps) before the database closes.
    await sipSide?.stop();
  }
  await ha?.membership.stop();
  await ha?.link.close();
  await http.close();
  await activity.flush();
  await db.$disconnect();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("disconnect", () => void shutdown("launcher gone"));
