import { describe, expect, it, vi } from "vitest";
import type { SipResponse } from "../protocol/sip";
import { MemoryTransport } from "./test-support/memory-transport";
import { request, requestText } from "./test-support/sip-fixtures";
import { UserAgentCore } from "./user-agent-core";
import type { SipAddress } from "./sip-address";
import type { SipError } from "./sip-error";
import { SerialReceiveQueue, type OverloadIncident } from "./serial-receive-queue";

const source: SipAddress = { transport: "UDP", host: "127.0.0.1", port: 5060 };
const rawRequest = (method: string, n: number) =>
  Buffer.from(`${method} sip:media@127.0.0.1 SIP/2.0\r\nCSeq: ${n} ${method}\r\n\r\n`);
const response = (n: number) => Buffer.from(`\r\nSIP/2.0 200 OK\r\nCSeq: ${n} INVITE\r\n\r\n`);

function harness(max: number) {
  const delivered: { name: string; refusal: SipError | undefined }[] = [];
  const incidents: OverloadIncident[] = [];
  const queue = new SerialReceiveQueue({ max, onOverload: (i) => incidents.push(i), onError: vi.fn() });
  const receive = (name: string, raw: Buffer) =>
    queue.schedule(raw, source, (refusal) => delivered.push({ name, refusal }));
  return { queue, delivered, incidents, receive };
}

describe("SerialReceiveQueue", () => {
  it("hands messages up later, in arrival order, none in the turn they arrived", async () => {
    const { queue, delivered, receive } = harness(100);
    for (let i = 1; i <= 5; i++) receive(`INFO ${i}`, rawRequest("INFO", i));
    expect(delivered).toEqual([]);
    expect(queue.length).toBe(5);
    await vi.waitFor(() => expect(delivered).toHaveLength(5));
    expect(delivered.map((d) => d.name)).toEqual(["INFO 1", "INFO 2", "INFO 3", "INFO 4", "INFO 5"]);
    expect(delivered.every((d) => d.refusal === undefined)).toBe(true);
    expect(queue.refused).toBe(0);
  });

  it("full: a new request is handed up at once with 503 + Retry-After; responses and ACKs still queue; one incident", async () => {
    const { queue, delivered, incidents, receive } = harness(2);
    receive("INFO 1", rawRequest("INFO", 1));
    receive("INFO 2", rawRequest("INFO", 2));
    receive("OPTIONS 3", rawRequest("OPTIONS", 3));
    receive("INVITE 4", rawRequest("INVITE", 4));
    receive("200 to INVITE", response(9));
    receive("ACK", rawRequest("ACK", 9));
    // Refused now, out of the queue: the transaction layer answers them.
    expect(delivered.map((d) => d.name)).toEqual(["OPTIONS 3", "INVITE 4"]);
    for (const refused of delivered) {
      expect(refused.refusal?.status).toBe(503);
      expect(refused.refusal?.headers).toEqual({ "Retry-After": "1" });
    }
    expect(queue.refused).toBe(2);
    expect(queue.length).toBe(4);
    expect(incidents).toEqual([{ state: "began" }]);
    await vi.waitFor(() => expect(delivered).toHaveLength(6));
    expect(delivered.slice(2).map((d) => [d.name, d.refusal])).toEqual([
      ["INFO 1", undefined],
      ["INFO 2", undefined],
      ["200 to INVITE", undefined],
      ["ACK", undefined],
    ]);
    expect(incidents).toEqual([{ state: "began" }, { state: "ended", refused: 2 }]);
    // Drained: requests are queued again, and a later overload is a new incident.
    receive("INFO 5", rawRequest("INFO", 5));
    receive("INFO 6", rawRequest("INFO", 6));
    receive("INFO 7", rawRequest("INFO", 7));
    expect(queue.refused).toBe(3);
    expect(incidents).toHaveLength(3);
    await vi.waitFor(() => expect(incidents).toHaveLength(4));
    expect(incidents[3]).toEqual({ state: "ended", refused: 1 });
  });

  it("refuses a bound that is not a positive integer", () => {
    expect(() => new SerialReceiveQueue({ max: 0, onError: vi.fn() })).toThrow(RangeError);
  });
});

describe("SerialReceiveQueue under a UA core: a refusal goes through the transaction layer", () => {
  it("a retransmission of a request already answered gets its answer, not 503; a refused INVITE's 503 is its transaction's", async () => {
    const errors: unknown[] = [];
    let invites = 0;
    const ua = new UserAgentCore({
      delegate: {
        handlers: {
          OPTIONS: (incoming) => void incoming.reply(200),
          INVITE: () => void invites++,
        },
        onError: (error) => errors.push(error),
      },
    });
    const transport = new MemoryTransport();
    const queue = new SerialReceiveQueue({ max: 1, onError: (error) => errors.push(error) });
    transport.scheduler = queue;
    await ua.addTransport(transport);
    try {
      const x = requestText({ branch: "z9hG4bKx", callId: "x" });
      transport.receive(x);
      expect(transport.sent).toEqual([]); // queued, not handled in the turn it arrived
      await vi.waitFor(() => expect(transport.startLines()).toEqual(["SIP/2.0 200 OK"]));
      transport.clear();

      // One turn: Y fills the queue; then X again, a new INVITE Z, Z again, and Z's ACK.
      transport.receive(requestText({ branch: "z9hG4bKy", callId: "y" }));
      transport.receive(x);
      const z = { method: "INVITE", branch: "z9hG4bKz", callId: "z" };
      transport.receive(requestText(z));
      transport.receive(requestText(z));
      expect(transport.startLines()).toEqual([
        "SIP/2.0 200 OK", // X's transaction (Completed) answers its retransmission
        "SIP/2.0 100 Trying", // Z's INVITE server transaction, at once (RFC 3261 §17.2.1)
        "SIP/2.0 503 Service Unavailable",
        "SIP/2.0 503 Service Unavailable", // Z's transaction absorbs the retransmission
      ]);
      const [, , refusal, again] = transport.sentMessages() as SipResponse[];
      expect(refusal!.headers.get("Retry-After")).toBe("1");
      expect(again!.headers.get("To")).toBe(refusal!.headers.get("To"));
      const toTag = /tag=([^;\s]+)/.exec(refusal!.headers.get("To") ?? "")?.[1];
      transport.receive(requestText({ ...z, method: "ACK", cseqMethod: "ACK", toTag }));
      await vi.waitFor(() => expect(transport.startLines()).toHaveLength(5));
      expect(transport.startLines()[4]).toBe("SIP/2.0 200 OK"); // Y, in its turn
      // The ACK, queued behind Y, reached the refused INVITE's transaction (§17.2.1: Confirmed).
      await vi.waitFor(() =>
        expect(ua.layer.findInviteServerTransaction(request(z))?.state).toBe("confirmed"),
      );
      expect(invites).toBe(0);
      // Turned away by the full queue: X again, Z and Z again; answered 503 as new: Z alone.
      expect(queue.refused).toBe(3);
      expect(ua.layer.stats.refusedByScheduler).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await ua.close();
    }
  });
});
