import { afterEach, describe, expect, it } from "vitest";
import { UdpTransport, UserAgentCore } from "../../../sip-core";
import { SipTestPhone } from "../../test-support/sip-test-phone";
import { type EngineHealth, MediaEnginePool } from "./media-engine-pool";

const ENGINE_PORT = 5425;
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

describe("media engine health checks", () => {
  it("reports every failed OPTIONS with its count in a row, and the recovery once", async () => {
    // A short T1 so that an OPTIONS nobody answers times out (64·T1) in about a second.
    const ua = new UserAgentCore({
      delegate: { handlers: {}, onError: () => undefined },
      timers: { T1: 20 },
    });
    await ua.addTransport(new UdpTransport({ host: "127.0.0.1", port: 0 }));
    closers.push(() => ua.close());
    const pool = new MediaEnginePool(ua, [`sip:127.0.0.1:${ENGINE_PORT}`], {
      from: "<sip:forkline@127.0.0.1>",
      contact: "<sip:forkline@127.0.0.1>",
    });
    const seen: EngineHealth[] = [];
    pool.onHealth((health) => seen.push(health));

    await pool.checkAll();
    await pool.checkAll();
    expect(seen.map(({ healthy, failuresInARow }) => ({ healthy, failuresInARow }))).toEqual([
      { healthy: false, failuresInARow: 1 },
      { healthy: false, failuresInARow: 2 },
    ]);
    expect(seen[1]!.error).toBeTruthy();
    expect(pool.status()[0]).toMatchObject({ healthy: false });

    // An engine that answers 503 is down too; one that answers 200 is back, reported once.
    let status = 503;
    const engine = await SipTestPhone.start(
      { OPTIONS: (request) => void request.reply(status) },
      ENGINE_PORT,
    );
    closers.push(() => engine.close());
    await pool.checkAll();
    expect(seen.at(-1)).toMatchObject({
      healthy: false,
      failuresInARow: 3,
      error: "503 Service Unavailable",
    });
    status = 200;
    await pool.checkAll();
    await pool.checkAll();
    expect(seen.slice(3)).toEqual([
      { uri: `sip:127.0.0.1:${ENGINE_PORT}`, healthy: true, failuresInARow: 0 },
    ]);
    expect(pool.status()[0]).toEqual({ uri: `sip:127.0.0.1:${ENGINE_PORT}`, healthy: true, openLegs: 0 });
  }, 20_000);
});
