import { afterEach, describe, expect, it } from "vitest";
import type { ProtocolParseError } from "../protocol/protocol-parse-error";
import { parseVia, serializeSipMessage, type SipRequest, type SipResponse } from "../protocol/sip";
import { FakeClock } from "./fake-clock";
import { InviteServerTransaction, InviteServerTransactionState } from "./invite-server-transaction";
import type { SipAddress } from "./sip-address";
import type { SipTransportError } from "./sip-transport-error";
import { MemoryTransport } from "./test-support/memory-transport";
import { RecordingClientUser, request, requestText, responseTo } from "./test-support/sip-fixtures";
import type { ServerTransaction } from "./transaction";
import { TransactionLayer, type TransactionUser } from "./transaction-layer";

class RecordingTransactionUser implements TransactionUser {
  readonly requests: { request: SipRequest; transaction: ServerTransaction; source: SipAddress }[] = [];
  readonly acks: SipRequest[] = [];
  readonly stray: SipResponse[] = [];
  readonly malformed: { error: ProtocolParseError; raw: Buffer }[] = [];
  readonly errors: unknown[] = [];
  ackTimeouts = 0;

  onRequest(request: SipRequest, transaction: ServerTransaction, source: SipAddress): void {
    this.requests.push({ request, transaction, source });
  }
  onAckFor2xx(ack: SipRequest): void {
    this.acks.push(ack);
  }
  onStrayResponse(response: SipResponse): void {
    this.stray.push(response);
  }
  onMalformedRequest(error: ProtocolParseError, raw: Buffer): void {
    this.malformed.push({ error, raw });
  }
  onServerTransactionError(_transaction: ServerTransaction, error: SipTransportError): void {
    this.errors.push(error);
  }
  onAckTimeout(): void {
    this.ackTimeouts++;
  }
  onTransportError(error: SipTransportError): void {
    this.errors.push(error);
  }
}

let layer: TransactionLayer | undefined;

afterEach(async () => {
  await layer?.close();
  layer = undefined;
});

async function setup(protocol: "UDP" | "TCP" = "UDP") {
  const clock = new FakeClock();
  const user = new RecordingTransactionUser();
  const transport = new MemoryTransport(protocol);
  layer = new TransactionLayer({ user, clock });
  await layer.addTransport(transport);
  return { clock, user, transport, layer };
}

const PEER: SipAddress = { transport: "UDP", host: "192.0.2.10", port: 5060 };

describe("TransactionLayer: client transaction matching (RFC 3261 §17.1.3)", () => {
  it("matches a response by top Via branch and CSeq method", async () => {
    const { user, transport, layer } = await setup();
    const invite = request({ method: "INVITE", branch: "z9hG4bKc1" });
    const tu = new RecordingClientUser();
    layer.sendRequest(invite, PEER, tu);
    expect(layer.clientTransactionCount).toBe(1);
    transport.receive(responseText(invite, 180));
    expect(tu.responses.map((r) => r.status)).toEqual([180]);
    expect(user.stray).toHaveLength(0);
  });

  it("does not match a response with the right branch but another CSeq method", async () => {
    const { user, transport, layer } = await setup();
    const invite = request({ method: "INVITE", branch: "z9hG4bKc2" });
    const tu = new RecordingClientUser();
    layer.sendRequest(invite, PEER, tu);
    const cancel = request({ method: "CANCEL", branch: "z9hG4bKc2" });
    transport.receive(responseText(cancel, 200));
    expect(tu.responses).toHaveLength(0);
    expect(user.stray.map((r) => r.status)).toEqual([200]);
  });

  it("passes a response with an unknown branch to the core as stray", async () => {
    const { user, transport } = await setup();
    transport.receive(responseText(request({ branch: "z9hG4bKnobody" }), 200));
    expect(user.stray).toHaveLength(1);
  });

  it("forgets a client transaction once it terminates (2xx to INVITE), so a retransmitted 2xx is stray", async () => {
    const { user, transport, layer } = await setup();
    const invite = request({ method: "INVITE", branch: "z9hG4bKc3" });
    layer.sendRequest(invite, PEER, new RecordingClientUser());
    transport.receive(responseText(invite, 200));
    expect(layer.clientTransactionCount).toBe(0);
    transport.receive(responseText(invite, 200));
    expect(user.stray.map((r) => r.status)).toEqual([200]);
  });

  it("refuses to start a transaction for ACK or without an RFC 3261 branch", async () => {
    const { layer } = await setup();
    expect(() => layer.sendRequest(request({ method: "ACK" }), PEER, new RecordingClientUser())).toThrow(
      TypeError,
    );
    expect(() => layer.sendRequest(request({ branch: "1234" }), PEER, new RecordingClientUser())).toThrow(
      TypeError,
    );
  });
});

describe("TransactionLayer: server transaction matching (RFC 3261 §17.2.3)", () => {
  it("creates one server transaction per request and absorbs retransmissions", async () => {
    const { user, transport, layer } = await setup();
    const text = requestText({ method: "INVITE", branch: "z9hG4bKs1" });
    transport.receive(text);
    transport.receive(text);
    expect(user.requests).toHaveLength(1);
    expect(layer.serverTransactionCount).toBe(1);
    // 100 Trying at creation, again for the retransmission.
    expect(transport.startLines()).toEqual(["SIP/2.0 100 Trying", "SIP/2.0 100 Trying"]);
  });

  it("matches the ACK for a non-2xx to the INVITE server transaction", async () => {
    const { user, transport } = await setup();
    transport.receive(requestText({ method: "INVITE", branch: "z9hG4bKs2" }));
    const [entry] = user.requests;
    if (entry === undefined) throw new Error("no request");
    entry.transaction.respond(responseTo(entry.request, 486));
    transport.receive(requestText({ method: "ACK", branch: "z9hG4bKs2", toTag: "to1" }));
    expect(entry.transaction.state).toBe(InviteServerTransactionState.Confirmed);
    expect(user.acks).toHaveLength(0);
    expect(user.requests).toHaveLength(1);
  });

  it("passes the ACK for a 2xx (new branch, or the INVITE's) to the core", async () => {
    const { user, transport, layer } = await setup();
    transport.receive(requestText({ method: "INVITE", branch: "z9hG4bKs3" }));
    const [entry] = user.requests;
    if (entry === undefined) throw new Error("no request");
    entry.transaction.respond(responseTo(entry.request, 200));
    // RFC 6026: the transaction stays "Accepted" for 64*T1.
    expect(layer.serverTransactionCount).toBe(1);
    transport.receive(requestText({ method: "ACK", branch: "z9hG4bKack3", toTag: "to1" }));
    transport.receive(requestText({ method: "ACK", branch: "z9hG4bKs3", toTag: "to1" }));
    expect(user.acks).toHaveLength(2);
  });

  it("absorbs an INVITE retransmission that crossed its 2xx: no second call (RFC 6026 §8.7)", async () => {
    const { user, transport, layer } = await setup();
    transport.receive(requestText({ method: "INVITE", branch: "z9hG4bKs5" }));
    const [entry] = user.requests;
    if (entry === undefined) throw new Error("no request");
    entry.transaction.respond(responseTo(entry.request, 200));
    transport.receive(requestText({ method: "INVITE", branch: "z9hG4bKs5" }));
    expect(user.requests).toHaveLength(1);
    expect(layer.serverTransactionCount).toBe(1);
  });

  it("tells apart equal branches from different sent-by, and methods (CANCEL)", async () => {
    const { user, transport, layer } = await setup();
    transport.receive(requestText({ method: "INVITE", branch: "z9hG4bKs4" }));
    transport.receive(requestText({ method: "INVITE", branch: "z9hG4bKs4", viaHost: "192.0.2.99" }));
    transport.receive(requestText({ method: "CANCEL", branch: "z9hG4bKs4" }));
    expect(user.requests.map((r) => r.request.method)).toEqual(["INVITE", "INVITE", "CANCEL"]);
    expect(layer.serverTransactionCount).toBe(3);
    const cancel = user.requests[2]?.request;
    if (cancel === undefined) throw new Error("no CANCEL");
    expect(layer.findInviteServerTransaction(cancel)).toBe(user.requests[0]?.transaction);
    expect(layer.findInviteServerTransaction(cancel)).toBeInstanceOf(InviteServerTransaction);
  });

  it("refuses a pre-RFC 3261 branch (no magic cookie) with a 400, and drops such an ACK", async () => {
    const { user, transport, layer } = await setup();
    transport.receive(requestText({ method: "OPTIONS", branch: "1234abcd" }));
    transport.receive(requestText({ method: "ACK", branch: "1234abcd" }));
    expect(user.requests).toHaveLength(0);
    expect(user.malformed).toHaveLength(1);
    expect(user.malformed[0]?.error.message).toMatch(/magic cookie/);
    expect(layer.stats.rejectedLegacyBranch).toBe(1);
    expect(layer.stats.droppedAcks).toBe(1);
  });

  it("refuses a request whose CSeq method differs from its method", async () => {
    const { user, transport } = await setup();
    transport.receive(requestText({ method: "OPTIONS", cseqMethod: "INVITE" }));
    expect(user.requests).toHaveLength(0);
    expect(user.malformed[0]?.error.message).toMatch(/CSeq method/);
  });

  it("forgets server transactions when they terminate", async () => {
    const { clock, user, transport, layer } = await setup();
    transport.receive(requestText({ method: "OPTIONS", branch: "z9hG4bKs5" }));
    user.requests[0]?.transaction.respond(responseTo(user.requests[0].request, 200));
    expect(layer.serverTransactionCount).toBe(1);
    clock.advance(32_000);
    expect(layer.serverTransactionCount).toBe(0);
  });

  it("sends responses to received/rport over UDP (RFC 3581)", async () => {
    const { user, transport } = await setup();
    transport.clear();
    transport.receive(requestText({ method: "OPTIONS", viaHost: "10.0.0.5", rport: true }), {
      host: "203.0.113.7",
      port: 40_000,
    });
    const [entry] = user.requests;
    if (entry === undefined) throw new Error("no request");
    const via = parseVia(entry.request.headers.getAll("Via")[0] ?? "");
    expect(via.params.get("received")).toBe("203.0.113.7");
    expect(via.params.get("rport")).toBe("40000");
    entry.transaction.respond(responseTo(entry.request, 200));
    expect(transport.sent[0]?.destination).toEqual({ transport: "UDP", host: "203.0.113.7", port: 40_000 });
  });
});

describe("TransactionLayer: unparseable input", () => {
  it("hands request-looking bytes up for a 400 and drops garbage and broken ACKs", async () => {
    const { user, transport, layer } = await setup();
    transport.receive("OPTIONS sip:bob@192.0.2.20 SIP/2.0\r\nVia: nonsense\r\nCSeq: x\r\n\r\n");
    transport.receive(Buffer.from([0x00, 0xff, 0x10, 0x41, 0x0d, 0x0a]));
    transport.receive("ACK sip:bob@192.0.2.20 SIP/2.0\r\nCSeq: nonsense\r\n\r\n");
    transport.receive("SIP/2.0 200 but broken\r\nVia: ???\r\n\r\n");
    expect(user.malformed).toHaveLength(1);
    expect(user.malformed[0]?.raw.toString("latin1")).toMatch(/^OPTIONS /);
    const { droppedUnparseable, droppedResponses, droppedAcks } = layer.stats;
    expect(droppedUnparseable + droppedResponses + droppedAcks).toBe(3);
    expect(user.requests).toHaveLength(0);
  });
});

function responseText(req: SipRequest, status: number): string {
  return serialize(responseTo(req, status));
}

function serialize(response: SipResponse): string {
  return serializeSipMessage(response).toString("latin1");
}
