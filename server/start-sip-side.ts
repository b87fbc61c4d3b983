import type { Registry } from "prom-client";
import type { ContainedErrors } from "../common/contained-errors";
import type { Logger } from "../common/logger";
import type { CtiEventBus } from "./cti/cti-event-bus";
import { CtiService } from "./cti/cti-service";
import type { ServerEnv } from "./env";
import { sipWebSocketAdmission } from "./http/sip-websocket-admission";
import type { HttpServer } from "./http/create-http-server";
import type { AgentStateService } from "./services/agents/agent-state-service";
import type { AlarmService } from "./services/alarms/alarm-service";
import { ActiveCallService } from "./services/calls/active-call-service";
import { localLiveCalls } from "./services/calls/call-control-service";
import { EngineLossService } from "./services/calls/engine-loss-service";
import type { Db } from "./services/db";
import { RecordingHistoryService } from "./services/recording/recording-history-service";
import { RecordingService } from "./services/recording/recording-service";
import { SipServer } from "./sip/sip-server";
import { registerServerMetrics } from "./server-metrics";
import type { TrpcDeps } from "./trpc/trpc";

export type SipSideDeps = {
  env: ServerEnv;
  db: Db;
  log: Logger;
  errors: ContainedErrors;
  metrics: Registry;
  http: HttpServer;
  ctiBus: CtiEventBus;
  agents: AgentStateService;
  alarms: AlarmService;
};

export type SipSide = {
  sip: SipServer;
  recordings: RecordingService;
  /** What the API needs of this SIP side. */
  api: Pick<TrpcDeps, "cti" | "calls" | "liveCalls" | "recordings" | "sipProbe" | "engineStatus">;
  /** Calls end with a BYE and their recordings with the engine's final report, within 4 s. */
  stop(): Promise<void>;
  /**
   * Stops serving SIP without ending anything (an HA switchover): the calls, their recordings,
   * registrations and agent logins stay in the database for the other instance to take up.
   */
  handOver(): Promise<void>;
};

/**
 * The SIP Server and what hangs on it (recording policy, CTI, media engine health), built and
 * taking up what the database says was going on (registrations, agent logins, established
 * calls and their recordings) — at the start of a single server, or when an HA backup becomes
 * active. It does not listen yet: `sip.listen()` is the caller's last step.
 */
export async function startSipSide(deps: SipSideDeps): Promise<SipSide> {
  const { env, db, log, errors, ctiBus, agents, alarms } = deps;
  // Established calls survive a restart: the SIP Server takes them up (before it listens), and
  // their recordings go on; any other recording left open was the old process's and is closed.
  const sip = await SipServer.create({
    env,
    db,
    cti: ctiBus,
    httpServer: deps.http.server,
    log,
    agentOf: (dn) => agents.agentOnDn(dn),
    admitWebSocket: sipWebSocketAdmission(db),
    onError: (error) => errors.report("sip", error),
    callStore: new ActiveCallService(db),
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
  sip.media.onHealth(
    (engine) =>
      void alarms.engineHealth(engine).catch((error: unknown) => errors.report("alarm", error, engine.uri)),
  );
  const engineLoss = new EngineLossService(sip.calls, recordings, alarms);
  sip.media.onEngineLost((loss) => {
    log.warn({ engine: loss.uri, cause: loss.cause }, `${loss.detail}; ending the calls it held`);
    void engineLoss.handle(loss).catch((error: unknown) => errors.report("engine_loss", error, loss.uri));
  });
  registerServerMetrics(deps.metrics, {
    calls: () => sip.calls.list().length,
    registeredAors: () => sip.registrar.registeredAors().length,
    media: sip.media,
    liveRecordings: () => recordings.liveCountByState(),
  });
  return {
    sip,
    recordings,
    api: {
      cti,
      calls: sip.calls,
      liveCalls: localLiveCalls({
        db,
        live: sip.calls,
        recordings,
        agentOnDn: (dn) => agents.agentOnDn(dn),
        onChange: (listener) => ctiBus.onPublish(listener),
      }),
      recordings,
      sipProbe: (uri) => sip.probe(uri),
      engineStatus: () => sip.media.status().map(({ uri, healthy }) => ({ uri, healthy })),
    },
    stop: async () => {
      await Promise.race([
        sip.calls.releaseAll("server stopping", 'SIP;cause=503;text="Server shutting down"').then(() => {
          recordings.close();
          return recordings.idle();
        }),
        new Promise((resolve) => setTimeout(resolve, 4_000).unref()),
      ]);
      await sip.close();
    },
    handOver: async () => {
      recordings.close();
      await recordings.idle();
      await sip.close();
    },
  };
}
