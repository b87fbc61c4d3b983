import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PortPool } from "../rtp";
import { LegClient, type ClientLeg } from "../test-support/leg-client";
import { createLogger } from "../../common/logger";
import { createMetricsRegistry } from "../../common/metrics";
import { registerEngineMetrics } from "../engine-metrics";
import { MediaEngineService } from "./media-engine-service";
import { MediaLegState } from "./media-leg";
import { SourceGate } from "../../sip-core";

const ENGINE_SIP = 5730;
const CLIENT_SIP = 5731;
const QUIET_CLIENT_SIP = 5732;
const NOBODY_SIP = 5733;

let service: MediaEngineService;
let client: LegClient;
let contained: { where: string; error: unknown; subject?: string }[];
let logLines: string[];

async function startEngine(inactivityTimeoutMs = 0, gate?: SourceGate): Promise<void> {
  contained = [];
  logLines = [];
  service = await MediaEngineService.start({
    sipHost: "127.0.0.1",
    sipPort: ENGINE_SIP,
    publicAddress: "127.0.0.1",
    rtpBindHost: "127.0.0.1",
    portPool: new PortPool(43200, 43259),
    webRtcPortRange: [43260, 43279],
    inactivityTimeoutMs,
    errors: { report: (where, error, subject) => contained.push({ where, error, subject }) },
    log: createLogger("media-engine", "debug", (line) => logLines.push(line)),
    ...(gate === undefined ? {} : { gate }),
  });
  client = await LegClient.start(CLIENT_SIP, ENGINE_SIP);
}

const load = () => client.load();
const reasonOf = (leg: ClientLeg) => client.byes.find((bye) => bye.connId === leg.connId)?.reason;

afterEach(async () => {
  await service?.close();
  await client?.close();
});

describe("the engine hangs up a leg by itself, and only that leg ends", () => {
  beforeEach(() => startEngine(300));

  it("RTP inactivity: BYE with a Reason to the SIP Server, ports back, nothing thrown", async () => {
    const quiet = await client.open();
    await vi.waitFor(() => expect(reasonOf(quiet)).toBe('SIP;cause=408;text="RTP inactivity"'), 3000);
    expect(await load()).toMatchObject({ legs: 0, ports: 0 });
    expect(contained).toEqual([]);
    // The engine still serves calls.
    const next = await client.open();
    await vi.waitFor(() => expect(service.leg(next.connId)?.state).toBe(MediaLegState.Confirmed));
  });

  it("a leg whose dialog is gone is released quietly: no BYE, no error, ports back", async () => {
    const leg = await client.open();
    service.leg(leg.connId)!.dialog.terminate();
    await vi.waitFor(() => expect(service.legCount).toBe(0), 3000);
    expect(await load()).toMatchObject({ legs: 0, ports: 0 });
    expect(client.byes).toEqual([]);
    expect(contained).toEqual([]);
  });

  it("RFC 3261 §15: before the ACK the hang-up waits; the BYE follows the ACK", async () => {
    const invite = await client.invite({ ack: false });
    if (!("dialog" in invite)) throw new Error(`INVITE answered ${invite.status}`);
    await vi.waitFor(() => expect(logLines.join("")).toContain("waits for the ACK"), 3000);
    expect(client.byes).toEqual([]);
    await client.ua.ack(invite.dialog, invite.response, {
      destination: { transport: "UDP", host: "127.0.0.1", port: ENGINE_SIP },
    });
    await vi.waitFor(() => expect(reasonOf(invite)).toContain("RTP inactivity"), 3000);
    expect(contained).toEqual([]);
  });
});

describe("who may give the engine orders (SourceGate)", () => {
  it("refuses legs and OPTIONS from a source not allowed (403), and a flood beyond the rate (503), before any port", async () => {
    const gate = new SourceGate({ allowed: ["127.0.0.1"], invitesPerSecond: 1, burst: 3 });
    await startEngine(0, gate);
    // 127.0.0.2 is this host too (all of 127/8 is loopback), but not an allowed SIP Server.
    const stranger = await LegClient.start(QUIET_CLIENT_SIP, ENGINE_SIP, { host: "127.0.0.2" });
    try {
      expect(await stranger.invite()).toMatchObject({ status: 403 });
      expect((await stranger.options()).status).toBe(403);
    } finally {
      await stranger.close();
    }
    expect(service.legCount).toBe(0);
    // The allowed server: a burst of three, then 503 with Retry-After and no port taken.
    for (let i = 0; i < 3; i++) await client.open();
    const refused = await client.invite();
    if (!("status" in refused)) throw new Error("a fourth leg was opened");
    expect(refused.status).toBe(503);
    expect(refused.headers.get("Retry-After")).toBe("1");
    expect(await load()).toMatchObject({ legs: 3, ports: 6 }); // RTP ports, a pair per leg without rtcp-mux
    const registry = createMetricsRegistry();
    registerEngineMetrics(registry, service);
    const text = await registry.metrics();
    expect(text).toContain('forkline_media_engine_refused_requests_total{reason="source"} 2');
    expect(text).toContain('forkline_media_engine_refused_requests_total{reason="rate"} 1');
    expect(text).toContain("forkline_media_legs 3");
    expect(text).toMatch(/forkline_leg_packets_in_total\{conn="conn:[^"]+"\} 0/);
    expect(contained).toEqual([]);
  });
});

describe("an INVITE retransmission that crosses the 200", () => {
  beforeEach(() => startEngine(0));

  it("gets the same 200 again (same To tag): no second leg, no second port pair", async () => {
    // sip-core's INVITE server transaction absorbs the retransmission in its "Accepted" state
    // (RFC 6026 §8.7); the 200 comes again from the UAS core's 2xx retransmission (§13.3.1.4).
    // Not ACKed yet: the client's UA would otherwise absorb a 200 it has ACKed (§13.2.2.4) and
    // the test could not see it.
    const leg = await client.open({ ack: false });
    await client.retransmitInvite(leg);
    const ok = () => client.strays.find((response) => response.status === 200);
    await vi.waitFor(() => expect(ok()).toBeDefined(), 3000);
    expect(ok()!.headers.get("To")).toBe(leg.response.headers.get("To"));
    expect(await load()).toMatchObject({ legs: 1, ports: 2 });
  });
});

describe("recording events on a leg whose dialog has ended", () => {
  beforeEach(() => startEngine(0));

  it("are dropped, not sent: no 481 thrown into a promise nobody handles", async () => {
    const leg = await client.open();
    const result = await client.msml(leg, [
      {
        kind: "dialogstart",
        target: leg.connId,
        name: "rec1",
        type: "application/moml+xml",
        record: { dest: [`sip:127.0.0.1:${NOBODY_SIP}`], attemptTimeoutMs: 200, params: {} },
      },
    ]);
    expect(result.status).toBe(200);
    service.leg(leg.connId)!.dialog.terminate();
    // The recorder never answers: the session fails and reports it, on a dialog that is gone.
    await vi.waitFor(() => expect(service.recordings.liveCount).toBe(0), 3000);
    expect(contained).toEqual([]);
  });
});

describe("identity: boot ids and orphan legs (engine contract)", () => {
  beforeEach(() => startEngine(0));

  const boot = (id: string, owned?: string[]) => ({
    "X-Forkline-Server-Boot": id,
    ...(owned === undefined ? {} : { "X-Forkline-Owned-Legs": owned.join(",") }),
  });
  const orphanMetric = async () => {
    const registry = createMetricsRegistry();
    registerEngineMetrics(registry, service);
    return /forkline_orphan_legs_released_total (\d+)/.exec(await registry.metrics())?.[1];
  };

  it("answers OPTIONS and INVITE with the boot id drawn at start", async () => {
    expect(service.bootId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await client.options()).headers.get("X-Forkline-Boot")).toBe(service.bootId);
    const leg = await client.open();
    expect(leg.response.headers.get("X-Forkline-Boot")).toBe(service.bootId);
  });

  it("a new server boot id releases, without BYE, the legs of other boots it does not own", async () => {
    expect(await load()).toMatchObject({ legs: 0 });
    await client.options(boot("server-1"));
    const owned = await client.open({ headers: boot("server-1") });
    const orphan = await client.open({ headers: boot("server-1") });
    const legacy = await client.open();
    expect(await load()).toMatchObject({ legs: 3, ports: 6 });

    // server-1 died; server-2 kept `owned` (say, a call it recovered).
    await client.options(boot("server-2", [owned.connId]));
    expect(service.leg(orphan.connId)).toBeUndefined();
    expect(service.leg(owned.connId)?.state).not.toBe(MediaLegState.Terminated);
    expect(service.leg(legacy.connId)?.state).not.toBe(MediaLegState.Terminated);
    expect(await load()).toMatchObject({ legs: 2, ports: 4 });
    expect(await orphanMetric()).toBe("1");
    expect(logLines.join("")).toContain("released 1 orphan legs");

    // A boot id already seen sweeps nothing, even without the owned list.
    const mine = await client.open({ headers: boot("server-2") });
    await client.options(boot("server-2"));
    await client.options(boot("server-1"));
    expect(service.legCount).toBe(3);

    // server-3 owns nothing: every leg of another boot goes, the legacy leg stays.
    await client.options(boot("server-3"));
    expect(service.allLegs().map((leg) => leg.connId)).toEqual([legacy.connId]);
    expect(service.leg(mine.connId)).toBeUndefined();
    expect(await orphanMetric()).toBe("3");
    expect(await load()).toMatchObject({ legs: 1, ports: 2 });
    expect(client.byes).toEqual([]);
    expect(contained).toEqual([]);
  });
});

describe("engine shutdown", () => {
  beforeEach(() => startEngine(0));

  it("sends BYE with a 503 Reason on every leg before releasing it", async () => {
    const a = await client.open();
    const b = await client.open();
    await service.close();
    const shuttingDown = 'SIP;cause=503;text="media engine shutting down"';
    expect(reasonOf(a)).toBe(shuttingDown);
    expect(reasonOf(b)).toBe(shuttingDown);
    expect(service.legCount).toBe(0);
  });

  it("waits at most about 2 s for a server that does not answer its BYE", async () => {
    const quiet = await LegClient.start(QUIET_CLIENT_SIP, ENGINE_SIP, { answerByes: false });
    try {
      await quiet.open();
      const started = Date.now();
      await service.close();
      expect(Date.now() - started).toBeLessThan(2800);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    } finally {
      await quiet.close();
    }
  });
});
