import dgram from "node:dgram";
import { afterEach, describe, expect, it, vi } from "vitest";
import { HEARTBEAT_PORT_HEADER, parseHeartbeat, serializeHeartbeat } from "../../../protocol/msml";
import { UdpTransport, UserAgentCore } from "../../../sip-core";
import { SipTestPhone } from "../../test-support/sip-test-phone";
import { type EngineLoss, MediaEnginePool } from "./media-engine-pool";

// A stand-in engine whose two halves the test drives apart: its SIP side (the main thread: OPTIONS)
// and its heartbeat responder (the worker thread), reporting the main thread's loop age.
const ENGINE_SIP = 5431;
const BOOT = "5c7e0a1e-2f3b-4c5d-8e9f-0a1b2c3d4e5f";

type FakeEngine = {
  /** Whether the main thread answers OPTIONS. */
  mainRunning: boolean;
  /** Whether the worker answers pings. */
  workerRunning: boolean;
  /** When the main thread last ran (for the pongs' loop age). */
  mainLastRan: number;
  close(): Promise<void>;
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function fakeEngine(): Promise<FakeEngine> {
  const heartbeat = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => heartbeat.bind(0, "127.0.0.1", resolve));
  const engine: FakeEngine = {
    mainRunning: true,
    workerRunning: true,
    mainLastRan: Date.now(),
    close: async () => undefined,
  };
  heartbeat.on("message", (data, from) => {
    const ping = parseHeartbeat(data);
    if (!engine.workerRunning || ping.kind !== "ping") return;
    if (engine.mainRunning) engine.mainLastRan = Date.now();
    const loopAgeMs = Date.now() - engine.mainLastRan;
    heartbeat.send(
      serializeHeartbeat({ kind: "pong", seq: ping.seq, bootId: BOOT, loopAgeMs }),
      from.port,
      from.address,
    );
  });
  const sip = await SipTestPhone.start(
    {
      OPTIONS: (request) => {
        if (!engine.mainRunning) return;
        request.reply(200, {
          headers: {
            "X-Forkline-Boot": BOOT,
            [HEARTBEAT_PORT_HEADER]: String(heartbeat.address().port),
          },
        });
      },
    },
    ENGINE_SIP,
  );
  engine.close = async () => {
    heartbeat.close();
    await sip.close();
  };
  return engine;
}

async function watch(): Promise<{ pool: MediaEnginePool; losses: { loss: EngineLoss; at: number }[] }> {
  const ua = new UserAgentCore({ delegate: { handlers: {}, onError: () => undefined } });
  await ua.addTransport(new UdpTransport({ host: "127.0.0.1", port: 0 }));
  const pool = new MediaEnginePool(ua, [`sip:127.0.0.1:${ENGINE_SIP}`], {
    from: "<sip:forkline@127.0.0.1>",
    contact: "<sip:forkline@127.0.0.1>",
  });
  const losses: { loss: EngineLoss; at: number }[] = [];
  pool.onEngineLost((loss) => losses.push({ loss, at: Date.now() }));
  await pool.checkAll();
  pool.start();
  cleanups.push(async () => {
    pool.stop();
    await ua.close();
  });
  await vi.waitFor(() => expect(pool.heartbeatSilence(`sip:127.0.0.1:${ENGINE_SIP}`)).toBeLessThan(150));
  return { pool, losses };
}

describe("engine heartbeat: a busy engine is not a dead one", () => {
  it("keeps the calls of an engine whose main thread is busy 2.5 s (keep-alives missed, heartbeat answered)", async () => {
    const engine = await fakeEngine();
    cleanups.push(() => engine.close());
    const { pool, losses } = await watch();
    const busyFrom = Date.now();
    engine.mainRunning = false;
    // Keep-alives fail meanwhile (the engine is marked down for new calls), the calls stay.
    await vi.waitFor(() => expect(pool.status()[0]!.healthy).toBe(false), { timeout: 3_000 });
    await vi.waitFor(() => expect(Date.now() - busyFrom).toBeGreaterThanOrEqual(2_500), {
      timeout: 4_000,
      interval: 100,
    });
    engine.mainRunning = true;
    await vi.waitFor(() => expect(pool.status()[0]!.healthy).toBe(true), { timeout: 3_000 });
    expect(losses).toEqual([]);
  });

  it("ends the calls of an engine whose main thread is hung (loop age ≥ 3 s in the pongs)", async () => {
    const engine = await fakeEngine();
    cleanups.push(() => engine.close());
    const { losses } = await watch();
    const hungFrom = Date.now();
    engine.mainRunning = false;
    await vi.waitFor(() => expect(losses).toHaveLength(1), { timeout: 6_000, interval: 50 });
    expect(losses[0]!.at - hungFrom).toBeGreaterThanOrEqual(3_000);
    expect(losses[0]!.at - hungFrom).toBeLessThan(4_500);
    expect(losses[0]!.loss).toMatchObject({ cause: "unanswered", bootId: BOOT });
  });

  it("ends the calls of an engine that answers nothing (stopped, cut off) after 1.5 s, once", async () => {
    const engine = await fakeEngine();
    cleanups.push(() => engine.close());
    const { losses } = await watch();
    const silentFrom = Date.now();
    engine.mainRunning = false;
    engine.workerRunning = false;
    await vi.waitFor(() => expect(losses).toHaveLength(1), { timeout: 4_000, interval: 50 });
    expect(losses[0]!.at - silentFrom).toBeGreaterThanOrEqual(1_350);
    expect(losses[0]!.at - silentFrom).toBeLessThanOrEqual(2_000);
    expect(losses[0]!.loss.detail).toMatch(/no heartbeat and no keep-alive answer/);
    // The lost engine's later misses raise no second loss.
    await vi.waitFor(() => expect(Date.now() - silentFrom).toBeGreaterThanOrEqual(3_500), {
      timeout: 5_000,
      interval: 100,
    });
    expect(losses).toHaveLength(1);
  });
});
