import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { waitFor } from "../../../common/test-support/waiting";
import { g711Packet, UdpPhone } from "../../../media-engine/rtp/test-support/udp-phone";
import { MSML_CONTENT_TYPE, parseMsml } from "../../../protocol/msml";
import { parseSdp } from "../../../protocol/sdp";
import { UdpTransport, UserAgentCore } from "../../../sip-core";
import { SipTestPhone } from "../../test-support/sip-test-phone";
import {
  engineController,
  spawnMediaEngine,
  type SpawnedProcess,
} from "../../../media-engine/test-support/engine-harness";
import { type EngineLoss, MediaEnginePool, type MediaLegHandle } from "./media-engine-pool";

const ME_SIP = 5421;
const ME_HTTP = 5422;
const REFUSING_PORT = 5423;

let engine: SpawnedProcess;
let ua: UserAgentCore;
let pool: MediaEnginePool;
const phones: UdpPhone[] = [];

function offer(port: number, direction = "sendrecv"): Buffer {
  return Buffer.from(
    [
      "v=0",
      "o=phone 1 1 IN IP4 127.0.0.1",
      "s=-",
      "c=IN IP4 127.0.0.1",
      "t=0 0",
      `m=audio ${port} RTP/AVP 0 101`,
      "a=rtpmap:0 PCMU/8000",
      "a=rtpmap:101 telephone-event/8000",
      `a=${direction}`,
      "",
    ].join("\r\n"),
  );
}

function enginePort(leg: MediaLegHandle): number {
  return parseSdp(leg.answer).media[0]!.port;
}

beforeAll(async () => {
  engine = await spawnMediaEngine({ sip: ME_SIP, http: ME_HTTP, rtpMin: 42100, rtpMax: 42199 });
  ({ ua, pool } = await engineController(ME_SIP));
}, 60_000);

afterAll(async () => {
  for (const phone of phones) phone.close();
  await ua?.close();
  engine?.stop();
});

describe("media engine process controlled by SIP + MSML", () => {
  it("answers OPTIONS with its load and is marked healthy", () => {
    expect(pool.status()).toEqual([{ uri: `sip:127.0.0.1:${ME_SIP}`, healthy: true, openLegs: 0 }]);
  });

  it("anchors two legs, joins them by MSML and relays RTP both ways, then holds and releases", async () => {
    const a = await UdpPhone.open();
    const b = await UdpPhone.open();
    phones.push(a, b);
    const legA = await pool.openLeg(offer(a.port), { callId: "t1" });
    const legB = await pool.openLeg(offer(b.port), { callId: "t1", preferCodec: "PCMU/8000" });
    expect(legA.connId).toMatch(/^conn:[0-9a-f]+$/);
    expect(parseSdp(legA.answer).media[0]!.formats[0]).toBe("0");
    await pool.join(legA, legB);

    for (let seq = 0; seq < 50; seq++) {
      await a.send(g711Packet(0xa, seq), enginePort(legA));
      await b.send(g711Packet(0xb, seq), enginePort(legB));
    }
    await waitFor(() => a.received.length === 50 && b.received.length === 50, 3000, "50 packets each way");
    expect(b.received.map((p) => p.readUInt16BE(2))).toEqual([...Array(50).keys()]);
    expect(b.received[7]!.equals(g711Packet(0xa, 7))).toBe(true);
    expect(a.received[9]!.equals(g711Packet(0xb, 9))).toBe(true);

    // A puts the call on hold (sendonly): the engine answers recvonly and stops sending to A.
    const held = await pool.updateLeg(legA, offer(a.port, "sendonly"));
    expect(held.toString()).toMatch(/a=recvonly/);
    for (let seq = 50; seq < 60; seq++) await b.send(g711Packet(0xb, seq), enginePort(legB));
    await a.send(g711Packet(0xa, 50), enginePort(legA));
    await waitFor(() => b.received.length === 51, 2000, "A's packet while on hold");
    expect(a.received).toHaveLength(50);

    const metrics = await (await fetch(`http://127.0.0.1:${ME_HTTP}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`forkline_leg_packets_in_total\\{conn="${legB.connId}"\\} 60`));

    await pool.closeLeg(legA);
    await pool.closeLeg(legB);
    const health = (await (await fetch(`http://127.0.0.1:${ME_HTTP}/healthz`)).json()) as { legs: number };
    expect(health.legs).toBe(0);
  });

  it("refuses bad MSML with an MSML error result and changes nothing", async () => {
    const phone = await UdpPhone.open();
    phones.push(phone);
    const leg = await pool.openLeg(offer(phone.port), { callId: "t2" });
    const unknown = await pool.msml(leg, [
      { kind: "join", id1: leg.connId, id2: "conn:nobody", streams: [] },
    ]);
    expect(unknown.response).toBe(430);
    expect(unknown.description).toMatch(/conn:nobody does not exist/);

    const xxe = leg.dialog.createRequest("INFO", {
      contentType: MSML_CONTENT_TYPE,
      body: Buffer.from(
        '<?xml version="1.0"?><!DOCTYPE msml [<!ENTITY x SYSTEM "file:///etc/passwd">]><msml version="1.1">&x;</msml>',
      ),
    });
    const response = await ua.sendInDialog(leg.dialog, xxe);
    expect(response.status).toBe(200);
    const result = parseMsml(response.body);
    expect(result.type === "result" && result.response).toBe(400);
    expect(result.type === "result" && result.description).toMatch(
      /DTD and entity declarations are not allowed/,
    );

    const wrongType = leg.dialog.createRequest("INFO", {
      contentType: "text/plain",
      body: Buffer.from("hi"),
    });
    expect((await ua.sendInDialog(leg.dialog, wrongType)).status).toBe(415);
    await pool.closeLeg(leg);
  });

  it("answers 488 to an offer without a G.711 codec", async () => {
    const sdp = offer(40000)
      .toString()
      .replace("RTP/AVP 0 101", "RTP/AVP 96")
      .replace("a=rtpmap:0 PCMU/8000", "a=rtpmap:96 opus/48000/2");
    await expect(pool.openLeg(Buffer.from(sdp), { callId: "t3" })).rejects.toMatchObject({ status: 488 });
  });

  it("does not declare a healthy engine lost while this server itself is stalled", async () => {
    // The SIP Server shares its process with page rendering: a long synchronous stretch while a
    // keep-alive is out makes its deadline timer fire when the engine's answer already waits in
    // the socket.
    const stall = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until) {
        // busy: no timer, no socket read
      }
    };
    const { ua: ua2, pool: watcher } = await engineController(ME_SIP);
    const losses: EngineLoss[] = [];
    watcher.onEngineLost((loss) => losses.push(loss));
    let stalls = 4;
    let answersAfterStalls = 0;
    const send = ua2.send.bind(ua2);
    ua2.send = (request, options) => {
      const answered = send(request, options);
      if (stalls === 0)
        answered.then(
          () => (answersAfterStalls += 1),
          () => undefined,
        );
      // Four keep-alives in a row each meet a stall (a miss is re-checked at once): counted as
      // misses, that is two in a row and every call on a healthy engine ended.
      if (request.method === "OPTIONS" && stalls > 0) {
        stalls -= 1;
        setImmediate(() => stall(1200));
      }
      return answered;
    };
    watcher.start();
    try {
      await vi.waitFor(() => expect(stalls).toBe(0), { timeout: 15_000, interval: 100 });
      // Two more keep-alives answered after the last stall: every miss has been judged by then.
      await vi.waitFor(() => expect(answersAfterStalls).toBeGreaterThanOrEqual(2), { timeout: 5000 });
      expect(losses).toEqual([]);
      expect(watcher.status()[0]).toMatchObject({ healthy: true });
    } finally {
      watcher.stop();
      await ua2.close();
    }
  }, 30_000);

  it("opens a leg on the next engine when the first refuses, and says why when none can", async () => {
    // An engine that is up (answers OPTIONS) but refuses legs, as one at capacity or stopping.
    const refusing = await SipTestPhone.start(
      {
        OPTIONS: (request) => void request.reply(200),
        INVITE: (request) => void request.reply(503, { reason: "Service Unavailable" }),
      },
      REFUSING_PORT,
    );
    const ua2 = new UserAgentCore({ delegate: { handlers: {}, onError: () => undefined } });
    await ua2.addTransport(new UdpTransport({ host: "127.0.0.1", port: 0 }));
    try {
      const both = new MediaEnginePool(ua2, [`sip:127.0.0.1:${REFUSING_PORT}`, `sip:127.0.0.1:${ME_SIP}`], {
        from: "<sip:forkline@127.0.0.1>",
        contact: "<sip:forkline@127.0.0.1>",
      });
      await both.checkAll();
      const phone = await UdpPhone.open();
      phones.push(phone);
      // Both are idle: the first in the list is tried first, refuses, and the call goes on.
      const leg = await both.openLeg(offer(phone.port), { callId: "failover" });
      expect(leg.engineUri).toBe(`sip:127.0.0.1:${ME_SIP}`);
      expect(parseSdp(leg.answer).media[0]!.port).toBeGreaterThan(0);
      await both.closeLeg(leg);

      const alone = new MediaEnginePool(ua2, [`sip:127.0.0.1:${REFUSING_PORT}`], {
        from: "<sip:forkline@127.0.0.1>",
        contact: "<sip:forkline@127.0.0.1>",
      });
      await alone.checkAll();
      await expect(alone.openLeg(offer(phone.port), { callId: "refused" })).rejects.toMatchObject({
        status: 503,
        message: `media engine sip:127.0.0.1:${REFUSING_PORT}: 503 Service Unavailable`,
        // What a caller is told names no engine and no address.
        publicReason: "Service Unavailable",
      });
    } finally {
      await ua2.close();
      await refusing.close();
    }
  });

  it("ends the calls of a stopped engine (SIGSTOP) within 2 s: its heartbeat and keep-alives both fall silent", async () => {
    const { ua: ua3, pool: watcher } = await engineController(ME_SIP);
    const losses: { loss: EngineLoss; at: number }[] = [];
    watcher.onEngineLost((loss) => losses.push({ loss, at: Date.now() }));
    watcher.start();
    // The engine process answers heartbeats (its worker thread) before it is stopped.
    await vi.waitFor(() => expect(watcher.heartbeatSilence(`sip:127.0.0.1:${ME_SIP}`)).toBeLessThan(150));
    const stoppedAt = Date.now();
    engine.child.kill("SIGSTOP");
    try {
      await vi.waitFor(() => expect(losses).toHaveLength(1), { timeout: 8_000, interval: 50 });
      expect(losses[0]!.loss.cause).toBe("unanswered");
      const after = losses[0]!.at - stoppedAt;
      // The last pong came at most one heartbeat period (100 ms) before the stop; 1.5 s of
      // silence after it is the rule.
      expect(after).toBeGreaterThanOrEqual(1_350);
      expect(after).toBeLessThanOrEqual(2_000);
      expect(losses[0]!.loss.detail).toMatch(/no heartbeat and no keep-alive answer for \d+ ms/);
    } finally {
      engine.child.kill("SIGCONT");
      watcher.stop();
      await ua3.close();
    }
    // Once it answers again the engine is healthy for new calls.
    await vi.waitFor(async () => {
      await pool.checkAll();
      expect(pool.status()[0]).toMatchObject({ healthy: true });
    });
  }, 30_000);
});
