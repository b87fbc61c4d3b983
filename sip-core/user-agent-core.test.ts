import { afterEach, describe, expect, it } from "vitest";
import { ProtocolParseError } from "../protocol/protocol-parse-error";
import {
  formatSipUri,
  parseVia,
  serializeSipMessage,
  type SipRequest,
  type SipResponse,
} from "../protocol/sip";
import { AckTimeoutError } from "./ack-timeout-error";
import { Dialog } from "./dialog";
import { FakeClock } from "./fake-clock";
import type { IncomingRequest } from "./incoming-request";
import { RequestTimeoutError } from "./request-timeout-error";
import { SipError } from "./sip-error";
import { SipTransportError } from "./sip-transport-error";
import { MemoryTransport } from "./test-support/memory-transport";
import { flushMicrotasks, parseRequest, requestText, responseTo } from "./test-support/sip-fixtures";
import { UserAgentCore, type RequestHandler, type UserAgentCoreDelegate } from "./user-agent-core";

let ua: UserAgentCore | undefined;

afterEach(async () => {
  await ua?.close();
  ua = undefined;
});

interface Setup {
  readonly ua: UserAgentCore;
  readonly transport: MemoryTransport;
  readonly clock: FakeClock;
  readonly errors: unknown[];
  readonly acks: SipRequest[];
  readonly cancelled: IncomingRequest[];
  readonly ackTimeouts: SipResponse[];
}

async function setup(
  handlers: Record<string, RequestHandler> = {},
  extra: Partial<UserAgentCoreDelegate> = {},
): Promise<Setup> {
  const clock = new FakeClock();
  const transport = new MemoryTransport("UDP", { host: "192.0.2.20", port: 5060 });
  const errors: unknown[] = [];
  const acks: SipRequest[] = [];
  const cancelled: IncomingRequest[] = [];
  const ackTimeouts: SipResponse[] = [];
  const core = new UserAgentCore({
    clock,
    delegate: {
      handlers,
      onError: (error) => errors.push(error),
      onAck: (ack) => acks.push(ack),
      onCancel: (invite) => cancelled.push(invite),
      ...extra,
    },
  });
  ua = core;
  await core.addTransport(transport);
  return { ua: core, transport, clock, errors, acks, cancelled, ackTimeouts };
}

function responses(transport: MemoryTransport): SipResponse[] {
  return transport.sentMessages().filter((m): m is SipResponse => m.kind === "response");
}

function lastResponse(transport: MemoryTransport): SipResponse {
  const all = responses(transport);
  const last = all[all.length - 1];
  if (last === undefined) throw new Error("nothing sent");
  return last;
}

describe("UserAgentCore as UAS: dispatch and error responses", () => {
  it("answers OPTIONS by default with 200 and Allow", async () => {
    const { transport } = await setup({ REGISTER: () => undefined });
    transport.receive(requestText({ method: "OPTIONS" }));
    await flushMicrotasks();
    const response = lastResponse(transport);
    expect(response.status).toBe(200);
    expect(response.headers.get("Allow")?.split(", ").sort()).toEqual(["OPTIONS", "REGISTER"]);
    expect(response.headers.get("To")).toMatch(/;tag=/);
  });

  it("dispatches to the handler of the method", async () => {
    const seen: string[] = [];
    const { transport } = await setup({
      REGISTER: (request) => {
        seen.push(request.method);
        request.reply(200, { headers: { Expires: "3600" } });
      },
    });
    transport.receive(requestText({ method: "REGISTER" }));
    await flushMicrotasks();
    expect(seen).toEqual(["REGISTER"]);
    expect(lastResponse(transport).headers.get("Expires")).toBe("3600");
  });

  it("turns a thrown SipError into its response, headers included", async () => {
    const { transport, errors } = await setup({
      INVITE: async () => {
        throw new SipError(486, "Busy Here", { "Retry-After": "30" });
      },
    });
    transport.receive(requestText({ method: "INVITE" }));
    await flushMicrotasks();
    const response = lastResponse(transport);
    expect(response.status).toBe(486);
    expect(response.reason).toBe("Busy Here");
    expect(response.headers.get("Retry-After")).toBe("30");
    expect(errors).toEqual([]);
  });

  it("turns an unexpected error into 500 and reports it", async () => {
    const boom = new Error("database down");
    const { transport, errors } = await setup({
      MESSAGE: () => {
        throw boom;
      },
    });
    transport.receive(requestText({ method: "MESSAGE" }));
    await flushMicrotasks();
    expect(lastResponse(transport).status).toBe(500);
    expect(errors).toEqual([boom]);
  });

  it("turns a ProtocolParseError from a handler into 400 with its message", async () => {
    const { transport } = await setup({
      INFO: () => {
        throw new ProtocolParseError("msml", "unknown element <dance>");
      },
    });
    transport.receive(requestText({ method: "INFO" }));
    await flushMicrotasks();
    const response = lastResponse(transport);
    expect(response.status).toBe(400);
    expect(response.reason).toBe("msml: unknown element <dance>");
  });

  it("reports an error thrown after the final response instead of answering twice", async () => {
    const { transport, errors } = await setup({
      MESSAGE: (request) => {
        request.reply(202);
        throw new SipError(500, "too late");
      },
    });
    transport.receive(requestText({ method: "MESSAGE" }));
    await flushMicrotasks();
    expect(responses(transport).map((r) => r.status)).toEqual([202]);
    expect(errors).toHaveLength(1);
  });

  it("answers 405 with Allow for a known method without handler, 501 for an unknown one", async () => {
    const { transport } = await setup({ INVITE: () => undefined });
    transport.receive(requestText({ method: "SUBSCRIBE", branch: "z9hG4bK405" }));
    transport.receive(requestText({ method: "FOOBAR", branch: "z9hG4bK501" }));
    await flushMicrotasks();
    const [notAllowed, notImplemented] = responses(transport).filter((r) => r.status >= 400);
    expect(notAllowed?.status).toBe(405);
    expect(notAllowed?.headers.get("Allow")?.split(", ").sort()).toEqual([
      "ACK",
      "CANCEL",
      "INVITE",
      "OPTIONS",
    ]);
    expect(notImplemented?.status).toBe(501);
    expect(notImplemented?.headers.get("Allow")).toBeDefined();
  });

  it("answers 481 to an in-dialog request without dialog, unless the delegate says it needs none", async () => {
    const byes: string[] = [];
    const { transport } = await setup({ BYE: (r) => void byes.push(r.method) });
    transport.receive(requestText({ method: "BYE", toTag: "unknown" }));
    await flushMicrotasks();
    expect(lastResponse(transport).status).toBe(481);
    expect(byes).toEqual([]);

    await ua?.close();
    const second = await setup({ BYE: (r) => void r.reply(200) }, { isDialogRequired: () => false });
    second.transport.receive(requestText({ method: "BYE", toTag: "unknown" }));
    await flushMicrotasks();
    expect(lastResponse(second.transport).status).toBe(200);
  });

  it("gives a request of a registered dialog its dialog", async () => {
    let seenDialog: Dialog | undefined;
    const { ua: core, transport } = await setup({
      INVITE: (request) => {
        const response = request.createResponse(200, { headers: { Contact: "<sip:srv@192.0.2.20>" } });
        core.registerDialog(Dialog.createAsUas(request.message, response, request.source));
        request.send(response);
      },
      BYE: (request) => {
        seenDialog = request.dialog;
        request.reply(200);
      },
    });
    transport.receive(requestText({ method: "INVITE", branch: "z9hG4bKinv" }));
    await flushMicrotasks();
    const toTag = /;tag=([^;]+)/.exec(lastResponse(transport).headers.get("To") ?? "")?.[1];
    expect(core.dialogCount).toBe(1);
    transport.receive(requestText({ method: "BYE", branch: "z9hG4bKbye", cseq: 2, toTag }));
    await flushMicrotasks();
    expect(seenDialog?.id.localTag).toBe(toTag);
    expect(lastResponse(transport).status).toBe(200);
  });

  it("answers 400 to request-looking bytes the codec refuses, with the parse error as reason", async () => {
    const { transport } = await setup();
    transport.receive(
      "OPTIONS sip:bob@192.0.2.20 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKbad\r\n" +
        "From: <sip:alice@192.0.2.10>;tag=f1\r\nTo: <sip:bob@192.0.2.20>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: lots\r\n\r\n",
    );
    await flushMicrotasks();
    const response = lastResponse(transport);
    expect(response.status).toBe(400);
    expect(response.reason.length).toBeGreaterThan(0);
    expect(response.reason).not.toMatch(/^sip:/);
    expect(response.headers.get("Call-ID")).toBe("c1");
    expect(transport.sent[transport.sent.length - 1]?.destination).toMatchObject({
      host: "192.0.2.10",
      port: 5060,
    });
  });
});

describe("UserAgentCore as UAS: INVITE", () => {
  it("retransmits a 2xx at T1, 2*T1 ... T2 until the ACK, which goes to the delegate", async () => {
    const { transport, clock, acks } = await setup({ INVITE: (r) => void r.reply(200) });
    transport.receive(requestText({ method: "INVITE", branch: "z9hG4bKi1" }));
    await flushMicrotasks();
    const oks = () => responses(transport).filter((r) => r.status === 200).length;
    expect(oks()).toBe(1);
    clock.advance(500);
    expect(oks()).toBe(2);
    clock.advance(1_000);
    expect(oks()).toBe(3);
    const toTag = /;tag=([^;]+)/.exec(lastResponse(transport).headers.get("To") ?? "")?.[1];
    transport.receive(requestText({ method: "ACK", branch: "z9hG4bKack1", toTag }));
    clock.advance(60_000);
    expect(oks()).toBe(3);
    expect(acks).toHaveLength(1);
  });

  it("reports a 2xx never ACKed after 64*T1", async () => {
    const { transport, clock, errors } = await setup({ INVITE: (r) => void r.reply(200) });
    transport.receive(requestText({ method: "INVITE", branch: "z9hG4bKi2" }));
    await flushMicrotasks();
    clock.advance(32_000);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(AckTimeoutError);
    const sentOks = responses(transport).filter((r) => r.status === 200).length;
    clock.advance(60_000);
    expect(responses(transport).filter((r) => r.status === 200).length).toBe(sentOks);
  });

  it("answers a CANCEL 200, the INVITE 487, and aborts the request's signal (§9.2)", async () => {
    let pending: IncomingRequest | undefined;
    const { transport, cancelled } = await setup({
      INVITE: (request) => {
        pending = request;
        request.reply(180);
      },
    });
    transport.receive(requestText({ method: "INVITE", branch: "z9hG4bKi3" }));
    await flushMicrotasks();
    transport.receive(requestText({ method: "CANCEL", branch: "z9hG4bKi3" }));
    await flushMicrotasks();
    const statuses = responses(transport).map((r) => `${r.status} ${r.headers.get("CSeq")}`);
    expect(statuses).toEqual(["100 1 INVITE", "180 1 INVITE", "200 1 CANCEL", "487 1 INVITE"]);
    expect(pending?.signal.aborted).toBe(true);
    expect(cancelled).toEqual([pending]);
    const [, ringing, cancelOk] = responses(transport);
    expect(cancelOk?.headers.get("To")).toBe(ringing?.headers.get("To"));
  });

  it("answers 481 to a CANCEL that matches nothing", async () => {
    const { transport } = await setup({ INVITE: () => undefined });
    transport.receive(requestText({ method: "CANCEL", branch: "z9hG4bKnothing" }));
    await flushMicrotasks();
    expect(lastResponse(transport).status).toBe(481);
  });
});

describe("UserAgentCore as UAC", () => {
  const destination = { transport: "UDP" as const, host: "192.0.2.10", port: 5060 };

  it("adds Via with branch and rport, Max-Forwards and CSeq, and resolves with the final response", async () => {
    const { ua: core, transport } = await setup();
    const options = core.createRequest("OPTIONS", "sip:bob@192.0.2.10", {
      from: "<sip:srv@192.0.2.20>",
      to: "<sip:bob@192.0.2.10>",
    });
    const provisional: number[] = [];
    const result = core.send(options, { destination, onProvisional: (r) => provisional.push(r.status) });
    const sent = parseRequest(transport.sent[0]?.bytes ?? Buffer.alloc(0));
    const via = parseVia(sent.headers.getAll("Via")[0] ?? "");
    expect(via.transport).toBe("UDP");
    expect(via.host).toBe("192.0.2.20");
    expect(via.port).toBe(5060);
    expect(via.params.get("branch")).toMatch(/^z9hG4bK/);
    expect(via.params.has("rport")).toBe(true);
    expect(sent.headers.get("Max-Forwards")).toBe("70");
    expect(sent.headers.get("CSeq")).toMatch(/^\d+ OPTIONS$/);
    expect(sent.headers.get("From")).toMatch(/;tag=/);
    transport.receive(serializeSipMessage(responseTo(sent, 100)));
    transport.receive(serializeSipMessage(responseTo(sent, 200)));
    const response = await result;
    expect(response.status).toBe(200);
    expect(provisional).toEqual([100]);
  });

  it("rejects with RequestTimeoutError (408) when timer F fires", async () => {
    const { ua: core, clock } = await setup();
    const request = core.createRequest("OPTIONS", "sip:bob@192.0.2.10", {
      from: "<sip:a@b>",
      to: "<sip:c@d>",
    });
    const result = core.send(request, { destination });
    clock.advance(32_000);
    await expect(result).rejects.toBeInstanceOf(RequestTimeoutError);
    await expect(result).rejects.toMatchObject({ status: 408 });
  });

  it("rejects with SipTransportError when the transport fails", async () => {
    const { ua: core, transport } = await setup();
    transport.failWith = new Error("ICMP port unreachable");
    const request = core.createRequest("OPTIONS", "sip:bob@192.0.2.10", {
      from: "<sip:a@b>",
      to: "<sip:c@d>",
    });
    await expect(core.send(request, { destination })).rejects.toBeInstanceOf(SipTransportError);
  });

  it("routes by the Request-URI when no destination is given", async () => {
    const { ua: core, transport } = await setup();
    const request = core.createRequest("MESSAGE", "sip:bob@198.51.100.9:5090", {
      from: "<sip:a@b>",
      to: "<sip:c@d>",
    });
    void core.send(request).catch(() => undefined);
    expect(transport.sent[0]?.destination).toEqual({ transport: "UDP", host: "198.51.100.9", port: 5090 });
  });

  it("ACKs a 2xx in its dialog and re-sends that ACK for each retransmitted 2xx", async () => {
    const { ua: core, transport } = await setup();
    const invite = core.createRequest("INVITE", "sip:bob@192.0.2.10", {
      from: "<sip:srv@192.0.2.20>",
      to: "<sip:bob@192.0.2.10>",
      contact: "<sip:srv@192.0.2.20:5060>",
    });
    const result = core.send(invite, { destination });
    const sent = parseRequest(transport.sent[0]?.bytes ?? Buffer.alloc(0));
    const ok = responseTo(sent, 200, "bob9");
    ok.headers.set("Contact", "<sip:bob@192.0.2.10:5060>");
    transport.receive(serializeSipMessage(ok));
    const response = await result;
    const dialog = Dialog.createAsUac(sent, response);
    await core.ack(dialog, response);
    transport.receive(serializeSipMessage(ok));
    const acks = transport.sentMessages().filter((m) => m.kind === "request" && m.method === "ACK");
    expect(acks).toHaveLength(2);
    const [first] = acks;
    if (first?.kind !== "request") throw new Error("no ACK");
    expect(first.headers.get("CSeq")).toBe(`${/^(\d+)/.exec(sent.headers.get("CSeq") ?? "")?.[1]} ACK`);
    expect(formatSipUri(first.uri)).toBe("sip:bob@192.0.2.10:5060");
  });
});
