import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UdpTransport, UserAgentCore } from "../../sip-core";
import { MediaEnginePool } from "../../server/sip/media/media-engine-pool";
import { engineMetrics } from "../test-support/engine-probe";
import { pcmuOffer, spawnMediaEngine, type SpawnedProcess } from "../test-support/engine-harness";

// An engine with MEDIA_ENGINE_SECRET takes orders only from a SIP Server that signs them, even
// from an allowed address (issue 15 §3).
const ME = { sip: 6131, http: 6132, rtpMin: 49300, rtpMax: 49399 };
const SECRET = "engine-secret-for-this-test-only";
let engine: SpawnedProcess;
const uas: UserAgentCore[] = [];

beforeAll(async () => {
  engine = await spawnMediaEngine(ME, { MEDIA_ENGINE_SECRET: SECRET });
}, 60_000);

afterAll(async () => {
  for (const ua of uas) await ua.close();
  engine?.stop();
});

async function poolWith(secret?: string): Promise<MediaEnginePool> {
  const ua = new UserAgentCore({ delegate: { handlers: {}, onError: () => undefined } });
  await ua.addTransport(new UdpTransport({ host: "127.0.0.1", port: 0 }));
  uas.push(ua);
  return new MediaEnginePool(ua, [`sip:127.0.0.1:${ME.sip}`], {
    from: "<sip:forkline@127.0.0.1>",
    contact: "<sip:forkline@127.0.0.1>",
    ...(secret === undefined ? {} : { secret }),
  });
}

describe("the media engine's shared secret", () => {
  it("answers a signing server; refuses keep-alives and legs from one without the secret or with another", async () => {
    const signed = await poolWith(SECRET);
    await signed.checkAll();
    expect(signed.status()[0]).toMatchObject({ healthy: true });
    const leg = await signed.openLeg(pcmuOffer(49450), { callId: "signed" });
    expect(leg.connId).toMatch(/^conn:/);
    await signed.closeLeg(leg);

    for (const secret of [undefined, "another-secret-of-16-chars"]) {
      const stranger = await poolWith(secret);
      await stranger.checkAll();
      expect(stranger.status()[0]).toMatchObject({ healthy: false, lastError: "403 Forbidden" });
      await expect(stranger.openLeg(pcmuOffer(49451), { callId: "unsigned" })).rejects.toMatchObject({
        status: 503,
      });
    }
    const metrics = await engineMetrics(ME.http);
    expect(metrics).toMatch(/forkline_media_engine_refused_requests_total\{reason="auth"\} [4-9]/);
    expect(metrics).toMatch(/^forkline_media_legs 0$/m);
  });
});
