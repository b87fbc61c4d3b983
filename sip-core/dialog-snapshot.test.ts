import { describe, expect, it } from "vitest";
import { formatSipUri, parseCSeq, type SipRequest } from "../protocol/sip";
import { Dialog, DialogState } from "./dialog";
import { restoreDialog, snapshotDialog } from "./dialog-snapshot";
import { request, responseTo } from "./test-support/sip-fixtures";

function invite(): SipRequest {
  return request({
    method: "INVITE",
    cseq: 10,
    fromTag: "alice1",
    extraHeaders: ["Record-Route: <sip:p1.example.com;lr>", "Record-Route: <sip:p2.example.com;lr>"],
  });
}

function ok(req: SipRequest) {
  const response = responseTo(req, 200, "bob1");
  response.headers.set("Contact", "<sip:bob@192.0.2.20:5062;transport=tcp>");
  for (const rr of req.headers.getAll("Record-Route")) response.headers.append("Record-Route", rr);
  return response;
}

const seqOf = (req: SipRequest) => parseCSeq(req.headers.get("CSeq") ?? "").seq;

describe("dialog snapshots (a restart goes on with the same dialogs)", () => {
  it("a UAC dialog survives JSON: same ID, route set, target, flow; the next CSeq jumps by the gap", () => {
    const req = invite();
    const dialog = Dialog.createAsUac(req, ok(req));
    dialog.flow = { transport: "UDP", host: "192.0.2.20", port: 5062 };
    const before = dialog.createRequest("INFO");
    const restored = restoreDialog(JSON.parse(JSON.stringify(snapshotDialog(dialog))), 100);
    expect(restored.id).toEqual(dialog.id);
    expect(restored.key).toBe(dialog.key);
    expect(restored.state).toBe(DialogState.Confirmed);
    expect(restored.routeSet).toEqual(dialog.routeSet);
    expect(formatSipUri(restored.remoteTarget)).toBe("sip:bob@192.0.2.20:5062;transport=tcp");
    expect(restored.flow).toEqual({ transport: "UDP", host: "192.0.2.20", port: 5062 });
    const bye = restored.createRequest("BYE");
    expect(seqOf(bye)).toBe(seqOf(before) + 100 + 1);
    expect(bye.headers.get("Call-ID")).toBe(req.headers.get("Call-ID"));
    expect(bye.headers.get("From")).toBe(req.headers.get("From"));
    expect(bye.headers.getAll("Route")).toEqual(["<sip:p2.example.com;lr>", "<sip:p1.example.com;lr>"]);
    expect(formatSipUri(bye.uri)).toBe("sip:bob@192.0.2.20:5062;transport=tcp");
  });

  it("a UAS dialog keeps its remote sequence: an older request is still refused, a newer one taken", () => {
    const req = invite();
    const dialog = Dialog.createAsUas(req, ok(req));
    const restored = restoreDialog(snapshotDialog(dialog), 100);
    expect(restored.localSeq).toBeUndefined();
    expect(restored.remoteSeq).toBe(10);
    expect(() => restored.receiveRequest(request({ method: "BYE", cseq: 9, fromTag: "alice1" }))).toThrow(
      /CSeq out of order/,
    );
    restored.receiveRequest(request({ method: "BYE", cseq: 11, fromTag: "alice1" }));
    expect(restored.remoteSeq).toBe(11);
  });

  it("a terminated dialog has nothing to keep", () => {
    const req = invite();
    const dialog = Dialog.createAsUas(req, ok(req));
    dialog.terminate();
    expect(() => snapshotDialog(dialog)).toThrow(/terminated/);
  });
});
