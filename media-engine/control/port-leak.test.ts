import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { spawnMediaEngine, type SpawnedProcess } from "../test-support/engine-harness";
import { engineHealth, engineMetrics, escapedErrors } from "../test-support/engine-probe";
import { LegClient, type ClientLeg } from "../test-support/leg-client";

const ENGINE_SIP = 5740;
const ENGINE_HTTP = 5741;
const CLIENT_SIP = 5742;

let engine: SpawnedProcess;
let client: LegClient;

/** A G.711 offer from a phone at 127.0.0.1:9 with the given direction (or codec line). */
function offer(direction: string, codec = "0 PCMU/8000"): Buffer {
  const [pt, name] = codec.split(" ");
  return Buffer.from(
    [
      "v=0",
      "o=p 1 1 IN IP4 127.0.0.1",
      "s=-",
      "c=IN IP4 127.0.0.1",
      "t=0 0",
      `m=audio 9 RTP/AVP ${pt}`,
      `a=rtpmap:${pt} ${name}`,
      `a=${direction}`,
      "",
    ].join("\r\n"),
  );
}

/** Runs `count` tasks, at most `width` at a time (the RTP pool holds 60 pairs). */
async function inParallel(
  count: number,
  width: number,
  task: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

const byeFor = (leg: ClientLeg) => client.byes.find((bye) => bye.connId === leg.connId);

beforeAll(async () => {
  engine = await spawnMediaEngine(
    { sip: ENGINE_SIP, http: ENGINE_HTTP, rtpMin: 43300, rtpMax: 43459 },
    { RTP_INACTIVITY_TIMEOUT_S: "1" },
  );
  client = await LegClient.start(CLIENT_SIP, ENGINE_SIP);
}, 60_000);

afterAll(async () => {
  await client?.close();
  await engine?.stop();
});

describe("every way a leg ends gives its RTP ports back", () => {
  it("200 legs ended by BYE, RTP inactivity, missing ACK (one INVITE retransmitted), CANCEL, refused offers, re-INVITE, MSML join: load back to where it was", async () => {
    const before = await client.load();
    expect(before).toMatchObject({ legs: 0, ports: 0 });
    const pid = engine.child.pid;
    const kinds: Record<string, number> = {};
    const count = (kind: string) => (kinds[kind] = (kinds[kind] ?? 0) + 1);

    // Missing ACK (4): RFC 3261 §13.3.1.4, the engine gives up after 64*T1 = 32 s and BYEs.
    const unacked: ClientLeg[] = [];
    for (let i = 0; i < 4; i++) {
      const result = await client.invite({ offer: offer(i % 2 === 0 ? "sendrecv" : "recvonly"), ack: false });
      if (!("dialog" in result)) throw new Error(`INVITE answered ${result.status}`);
      unacked.push(result);
      count("missing ACK");
    }
    // One of them has its INVITE retransmitted after the 200: same leg, same ports, and still
    // hung up when the (restarted) 2xx retransmissions run out.
    await client.retransmitInvite(unacked[0]!);

    // RTP inactivity (40): nothing is ever sent, the engine BYEs after 1 s.
    const silent: ClientLeg[] = [];
    // The rest, interleaved, 20 at a time.
    const plan = [
      ...Array<string>(60).fill("server BYE"),
      ...Array<string>(40).fill("RTP inactivity"),
      ...Array<string>(30).fill("CANCEL"),
      ...Array<string>(30).fill("refused offer"),
      ...Array<string>(20).fill("re-INVITE then BYE"),
      ...Array<string>(8).fill("MSML join then BYE"),
    ];
    await inParallel(plan.length, 20, async (i) => {
      const kind = plan[(i * 7) % plan.length]!;
      switch (kind) {
        case "server BYE": {
          // recvonly from the phone: the engine only sends, so its inactivity timer stays out of it.
          const leg = await client.open({ offer: offer("recvonly") });
          expect((await client.bye(leg)).status).toBe(200);
          count(kind);
          break;
        }
        case "RTP inactivity":
          silent.push(await client.open({ offer: offer("sendrecv") }));
          count(kind);
          break;
        case "CANCEL":
          expect([200, 487]).toContain(await client.inviteAndCancel());
          count(kind);
          break;
        case "refused offer": {
          // G.729 only: refused with 488 after the engine had allocated the leg's ports.
          const result = await client.invite({ offer: offer("sendrecv", "18 G729/8000") });
          expect("status" in result ? result.status : 200).toBe(488);
          count(kind);
          break;
        }
        case "re-INVITE then BYE": {
          const leg = await client.open({ offer: offer("recvonly") });
          expect((await client.reinvite(leg, offer("inactive"))).status).toBe(200);
          expect((await client.bye(leg)).status).toBe(200);
          count(kind);
          break;
        }
        case "MSML join then BYE": {
          const a = await client.open({ offer: offer("recvonly") });
          const b = await client.open({ offer: offer("recvonly") });
          const joined = await client.msml(a, [{ kind: "join", id1: a.connId, id2: b.connId, streams: [] }]);
          expect(joined.body.toString()).toContain('response="200"');
          await client.bye(a);
          await client.bye(b);
          count(kind);
          count(kind);
          break;
        }
      }
    });
    expect(Object.values(kinds).reduce((a, b) => a + b, 0)).toBe(200);

    await vi.waitFor(() => expect(silent.filter((leg) => byeFor(leg) === undefined)).toEqual([]), 10_000);
    expect(byeFor(silent[0]!)?.reason).toBe('SIP;cause=408;text="RTP inactivity"');
    await vi.waitFor(() => expect(unacked.filter((leg) => byeFor(leg) === undefined)).toEqual([]), 40_000);

    await expect.poll(() => client.load(), { timeout: 5000 }).toEqual(before);
    expect(engine.child.pid).toBe(pid);
    expect(engine.child.exitCode).toBeNull();
    expect((await engineHealth(ENGINE_HTTP)).legs).toBe(0);
    expect(escapedErrors(await engineMetrics(ENGINE_HTTP))).toEqual({});
  }, 60_000);
});
