import { describe, expect, it } from "vitest";
import { formatSipUri, parseCSeq, type SipRequest } from "../protocol/sip";
import { Dialog, DialogState } from "./dialog";
import { SipError } from "./sip-error";
import { request, responseTo } from "./test-support/sip-fixtures";

function invite(extraHeaders: string[] = []): SipRequest {
  return request({
    method: "INVITE",
    cseq: 10,
    fromTag: "alice1",
    extraHeaders: [
      "Record-Route: <sip:p1.example.com;lr>",
      "Record-Route: <sip:p2.example.com;lr>",
      ...extraHeaders,
    ],
  });
}

function ok(req: SipRequest, contact = "<sip:bob@192.0.2.20:5062>") {
  const response = responseTo(req, 200, "bob1");
  response.headers.set("Contact", contact);
  for (const rr of req.headers.getAll("Record-Route")) response.headers.append("Record-Route", rr);
  return response;
}

function seqOf(req: SipRequest): number {
  return parseCSeq(req.headers.get("CSeq") ?? "").seq;
}

describe("Dialog (RFC 3261 §12)", () => {
  it("as UAS: ID, sequence numbers, route set in order and remote target from the request", () => {
    const req = invite();
    const dialog = Dialog.createAsUas(req, ok(req));
    expect(dialog.id).toEqual({ callId: "call-1@192.0.2.10", localTag: "bob1", remoteTag: "alice1" });
    expect(dialog.state).toBe(DialogState.Confirmed);
    expect(dialog.remoteSeq).toBe(10);
    expect(dialog.localSeq).toBeUndefined();
    expect(dialog.routeSet).toEqual(["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"]);
    expect(formatSipUri(dialog.remoteTarget)).toBe("sip:alice@192.0.2.10:5060");
  });

  it("as UAS: builds a BYE to the remote target with the route set, tags swapped, CSeq chosen then incremented", () => {
    const req = invite();
    const dialog = Dialog.createAsUas(req, ok(req));
    const bye = dialog.createRequest("BYE");
    expect(bye.method).toBe("BYE");
    expect(formatSipUri(bye.uri)).toBe("sip:alice@192.0.2.10:5060");
    expect(bye.headers.getAll("Route")).toEqual(["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"]);
    expect(bye.headers.get("From")).toBe("Bob <sip:bob@192.0.2.20>;tag=bob1");
    expect(bye.headers.get("To")).toBe("Alice <sip:alice@192.0.2.10>;tag=alice1");
    expect(bye.headers.get("Call-ID")).toBe("call-1@192.0.2.10");
    expect(bye.headers.get("Max-Forwards")).toBe("70");
    expect(bye.headers.has("Via")).toBe(false);
    const info = dialog.createRequest("INFO", { body: Buffer.from("<x/>"), contentType: "application/xml" });
    expect(seqOf(info)).toBe(seqOf(bye) + 1);
    expect(info.headers.get("CSeq")).toBe(`${seqOf(info)} INFO`);
    expect(info.headers.get("Content-Type")).toBe("application/xml");
    expect(dialog.localSeq).toBe(seqOf(info));
  });

  it("as UAC: route set reversed, local CSeq from the INVITE, ACK with the INVITE's number", () => {
    const req = invite();
    const dialog = Dialog.createAsUac(req, ok(req));
    expect(dialog.id).toEqual({ callId: "call-1@192.0.2.10", localTag: "alice1", remoteTag: "bob1" });
    expect(dialog.routeSet).toEqual(["<sip:p2.example.com;lr>", "<sip:p1.example.com;lr>"]);
    expect(formatSipUri(dialog.remoteTarget)).toBe("sip:bob@192.0.2.20:5062");
    const ack = dialog.createRequest("ACK", { cseq: 10 });
    expect(ack.headers.get("CSeq")).toBe("10 ACK");
    expect(dialog.localSeq).toBe(10);
    const bye = dialog.createRequest("BYE");
    expect(bye.headers.get("CSeq")).toBe("11 BYE");
    expect(bye.headers.get("From")).toBe("Alice <sip:alice@192.0.2.10>;tag=alice1");
    expect(bye.headers.get("To")).toBe("Bob <sip:bob@192.0.2.20>;tag=bob1");
    expect(() => dialog.createRequest("ACK")).toThrow(TypeError);
  });

  it("with a strict router first: its URI becomes the Request-URI and the remote target the last Route", () => {
    const req = request({ method: "INVITE", extraHeaders: ["Record-Route: <sip:strict.example.com>"] });
    const dialog = Dialog.createAsUas(req, ok(req));
    const bye = dialog.createRequest("BYE");
    expect(formatSipUri(bye.uri)).toBe("sip:strict.example.com");
    expect(bye.headers.getAll("Route")).toEqual(["<sip:alice@192.0.2.10:5060>"]);
  });

  it("without a route set: no Route header", () => {
    const req = request({ method: "INVITE" });
    const bye = Dialog.createAsUas(req, ok(req)).createRequest("BYE");
    expect(bye.headers.has("Route")).toBe(false);
  });

  it("rejects an out-of-order request with 500 and takes the new target of a re-INVITE", () => {
    const req = invite();
    const dialog = Dialog.createAsUas(req, ok(req));
    const older = request({ method: "INFO", cseq: 9, toTag: "bob1", fromTag: "alice1" });
    expect(() => dialog.receiveRequest(older)).toThrow(SipError);
    try {
      dialog.receiveRequest(older);
    } catch (error) {
      expect((error as SipError).status).toBe(500);
    }
    const reinvite = request({
      method: "INVITE",
      cseq: 12,
      toTag: "bob1",
      fromTag: "alice1",
      extraHeaders: ["Contact: <sip:alice@198.51.100.3:5080>"],
    });
    reinvite.headers.delete("Contact");
    reinvite.headers.append("Contact", "<sip:alice@198.51.100.3:5080>");
    dialog.receiveRequest(reinvite);
    expect(dialog.remoteSeq).toBe(12);
    expect(formatSipUri(dialog.remoteTarget)).toBe("sip:alice@198.51.100.3:5080");
  });

  it("refuses new requests once terminated (except the ACK)", () => {
    const req = invite();
    const dialog = Dialog.createAsUac(req, ok(req));
    dialog.terminate();
    expect(dialog.state).toBe(DialogState.Terminated);
    expect(() => dialog.createRequest("BYE")).toThrow(SipError);
    expect(dialog.createRequest("ACK", { cseq: 10 }).method).toBe("ACK");
  });
});
