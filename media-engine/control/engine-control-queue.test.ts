import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { MsmlResult } from "../../protocol/msml";
import { parseRtpHeader, readSsrc } from "../../protocol/rtp";
import type { SipResponse } from "../../protocol/sip";
import type { UserAgentCore } from "../../sip-core";
import type { MediaEnginePool } from "../../server/sip/media/media-engine-pool";
import { g711Packet, type UdpPhone } from "../rtp/test-support/udp-phone";
import {
  engineController,
  enginePort,
  joinedCall,
  spawnMediaEngine,
  type SpawnedProcess,
} from "../test-support/engine-harness";
import { engineMetrics, escapedErrors } from "../test-support/engine-probe";
import { LegClient } from "../test-support/leg-client";

/**
 * The engine's control queue (SerialReceiveQueue): every SIP message waits its turn and is
 * handled one per event-loop turn, so a burst of control requests is answered in full and in
 * order while the call's media keeps flowing between two of them; and a flood beyond the bound
 * gets 503 with Retry-After, counted.
 */
const ENGINE = { sip: 37500, http: 37501, rtpMin: 37510, rtpMax: 37539 };
/** An engine whose queue holds 2 messages. */
const TINY = { sip: 37540, http: 37541, rtpMin: 37550, rtpMax: 37559 };
const TINY_CLIENT_SIP = 37542;
/**
 * Requests per burst: 100 INFOs fit in the engine's UDP receive buffer (212 kB by default, with
 * the kernel's per-datagram overhead) even when the loaded test machine leaves the engine
 * unscheduled while they are sent. A dropped INFO would be retransmitted 500 ms later, after the
 * ones behind it, and be answered 500 "CSeq out of order" (RFC 3261 §12.2.2), as it would by
 * any engine: that is UDP, not the queue.
 */
const BURST = 100;

const children: SpawnedProcess[] = [];
const phones: UdpPhone[] = [];
let ua: UserAgentCore;
let pool: MediaEnginePool;

beforeAll(async () => {
  children.push(await spawnMediaEngine(ENGINE));
  ({ ua, pool } = await engineController(ENGINE.sip));
}, 60_000);

afterAll(async () => {
  for (const phone of phones) phone.close();
  await ua?.close();
  await Promise.all(children.map((child) => child.stop()));
});

const seqOf = (packet: Buffer) => parseRtpHeader(packet).sequenceNumber;

describe("a burst of control requests", () => {
  it(`${BURST} MSML INFOs sent at once on one dialog are all answered 200, in the order sent`, async () => {
    const { legA, legB } = await joinedCall(pool, phones, "burst-order");
    const answered: number[] = [];
    const results = await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        pool
          .msml(legA, [{ kind: "join", id1: legA.connId, id2: legB.connId, streams: [] }])
          .then((result) => {
            answered.push(i);
            return result;
          }),
      ),
    );
    // The INFOs carry consecutive CSeqs on one dialog: one handled out of order would have been
    // refused (RFC 3261 §12.2.2: a lower CSeq "MUST" get 500), and pool.msml would have thrown.
    expect(answered).toEqual(Array.from({ length: BURST }, (_, i) => i));
    expect(results.every((result: MsmlResult) => result.response === 200)).toBe(true);
    expect(escapedErrors(await engineMetrics(ENGINE.http))).toEqual({});
  });

  it("RTP keeps being relayed while the burst is handled: every packet sent during it arrives, some before its last answer", async () => {
    const { a, b, legA, legB } = await joinedCall(pool, phones, "burst-media");
    const ssrc = 0x5eed;
    // The path works before the burst.
    await a.send(g711Packet(ssrc, 0), enginePort(legA));
    await vi.waitFor(() => expect(b.received.some((p) => readSsrc(p) === ssrc)).toBe(true));
    const relayed = () => b.received.filter((p) => readSsrc(p) === ssrc && seqOf(p) > 0).length;

    // A packet after every tenth INFO as the burst is sent (it reaches the engine behind them,
    // with most of the burst still waiting), and one at each answer but the last (sent between
    // the first and the last answer).
    const infos = BURST;
    let sent = 0;
    const send = () => void a.send(g711Packet(ssrc, ++sent), enginePort(legA));
    let relayedBeforeLastAnswer = -1;
    let answers = 0;
    const burst: Promise<void>[] = [];
    for (let i = 0; i < infos; i++) {
      const join = pool.msml(legA, [{ kind: "join", id1: legA.connId, id2: legB.connId, streams: [] }]);
      burst.push(
        join.then(() => {
          answers++;
          if (answers === infos) relayedBeforeLastAnswer = relayed();
          else send();
        }),
      );
      if (i % 10 === 9) send();
    }
    await Promise.all(burst);
    expect(sent).toBe(infos / 10 + infos - 1);
    // Correctness: every packet sent during the burst was relayed, once...
    await vi.waitFor(() => expect(relayed()).toBe(sent));
    const seqs = b.received.filter((p) => readSsrc(p) === ssrc && seqOf(p) > 0).map(seqOf);
    expect(new Set(seqs).size).toBe(sent);
    // ...and the media path was served while control messages still waited (interleaving):
    // relayed packets came back through the engine before the burst's last answer.
    expect(relayedBeforeLastAnswer).toBeGreaterThan(0);
  });
});

describe("the queue's bound (MEDIA_ENGINE_CONTROL_QUEUE_MAX)", () => {
  it("beyond it a request gets 503 with Retry-After at once; every request is answered; the refusals are counted and logged once", async () => {
    const tiny = await spawnMediaEngine(TINY, { MEDIA_ENGINE_CONTROL_QUEUE_MAX: "2" });
    children.push(tiny);
    const client = await LegClient.start(TINY_CLIENT_SIP, TINY.sip);
    try {
      const responses: SipResponse[] = await Promise.all(
        Array.from({ length: BURST }, () => client.options()),
      );
      const refused = responses.filter((response) => response.status === 503);
      const served = responses.filter((response) => response.status === 200);
      // Never dropped: each one got a final answer, served or refused.
      expect(refused.length + served.length).toBe(BURST);
      expect(refused.length).toBeGreaterThan(0);
      expect(served.length).toBeGreaterThan(0);
      for (const response of refused) expect(response.headers.get("Retry-After")).toBe("1");
      const metrics = await engineMetrics(TINY.http);
      expect(metrics).toContain(
        `forkline_media_engine_refused_requests_total{reason="overload"} ${refused.length}`,
      );
      expect(escapedErrors(metrics)).toEqual({});
      // Retransmissions sent while their originals waited may still be queued: drained soon.
      await expect
        .poll(
          async () =>
            /^forkline_media_engine_control_queue_length (\d+)$/m.exec(await engineMetrics(TINY.http))?.[1],
        )
        .toBe("0");
      // Drained: served again.
      expect((await client.options()).status).toBe(200);
      // One "full" line per incident, one "drained" line closing each (stdout may trail a little).
      const incidents = () => {
        const output = tiny.output();
        const ended = [...output.matchAll(/control queue drained: (\d+) requests were turned away/g)];
        return {
          began: (output.match(/control queue full/g) ?? []).length,
          ended: ended.length,
          turnedAway: ended.reduce((sum, match) => sum + Number(match[1]), 0),
        };
      };
      await vi.waitFor(() => expect(incidents().ended).toBe(incidents().began));
      const logged = incidents();
      expect(logged.began).toBeGreaterThan(0);
      // The log counts what the full queue turned away: the 503s, and any retransmission of a
      // request already answered (which its transaction answered again instead).
      expect(logged.turnedAway).toBeGreaterThanOrEqual(refused.length);
    } finally {
      await client.close();
    }
  });
});
