import { describe, expect, it } from "vitest";
import { parseCSeq } from "../../../protocol/sip";
import { Dialog } from "../../../sip-core";
import { request, responseTo } from "../../../sip-core/test-support/sip-fixtures";
import type { MediaLegHandle } from "../media/media-engine-pool";
import { Call, CallState } from "./call";
import {
  reachableAfterRestart,
  RESTORED_CSEQ_GAP,
  restoreCall,
  snapshotCall,
  zCallSnapshot,
} from "./call-snapshot";

function uasDialog(callId: string, flow: Dialog["flow"]): Dialog {
  const invite = request({ method: "INVITE", callId, cseq: 7, fromTag: `${callId}-a` });
  const ok = responseTo(invite, 200, `${callId}-b`);
  ok.headers.set("Contact", "<sip:forkline@192.0.2.1:5060>");
  return Dialog.createAsUas(invite, ok, flow);
}

function uacDialog(callId: string): Dialog {
  const invite = request({ method: "INVITE", callId, cseq: 20, fromTag: `${callId}-l` });
  const ok = responseTo(invite, 200, `${callId}-r`);
  ok.headers.set("Contact", "<sip:engine@127.0.0.1:5070>");
  return Dialog.createAsUac(invite, ok);
}

function leg(name: string): MediaLegHandle {
  return {
    engineUri: "sip:127.0.0.1:5070",
    dialog: uacDialog(`${name}-media`),
    connId: `conn:${name}`,
    engineBoot: "boot-1",
    answer: Buffer.from("v=0\r\nm=audio 40000 RTP/AVP 8\r\n"),
    closed: false,
  };
}

function establishedCall(callerFlow: Dialog["flow"]): Call {
  const call = new Call(
    "00000000000000aa",
    { party: { kind: "trunk", dn: "pstn", number: "+15551230000" } },
    "1001",
  );
  call.caller.dialog = uasDialog("caller", callerFlow);
  call.caller.media = leg("a");
  const calleeDialog = uacDialog("callee");
  calleeDialog.flow = { transport: "UDP", host: "127.0.0.1", port: 5090 };
  call.callee = {
    party: { kind: "extension", dn: "1001", number: "1001" },
    destination: { transport: "UDP", host: "127.0.0.1", port: 5090 },
    requestUri: "sip:phone@127.0.0.1:5090",
    dialog: calleeDialog,
    media: leg("b"),
    provisional: false,
    cancelRequested: false,
  };
  call.routeExtensions = { record: "true" };
  call.transition(CallState.Alerting);
  call.transition(CallState.Established);
  return call;
}

describe("call snapshots (established calls across a restart)", () => {
  it("round-trips through JSON: parties, times, four dialogs with their keys, legs; CSeq moves on by the gap", () => {
    const call = establishedCall({ transport: "UDP", host: "192.0.2.10", port: 5060 });
    const snapshot = snapshotCall(call)!;
    const parsed = zCallSnapshot.parse(JSON.parse(JSON.stringify(snapshot)));
    const restored = restoreCall(parsed);
    expect(restored.state).toBe(CallState.Established);
    expect(restored.connId).toBe(call.connId);
    expect(restored.callId).toBe("00000000000000aa");
    expect(restored.startedAt).toEqual(call.startedAt);
    expect(restored.establishedAt).toEqual(call.establishedAt);
    expect(restored.routeExtensions).toEqual({ record: "true" });
    expect(restored.caller.party).toEqual(call.caller.party);
    expect(restored.callee!.party).toEqual(call.callee!.party);
    expect(restored.callee!.requestUri).toBe("sip:phone@127.0.0.1:5090");
    expect(restored.caller.invite).toBeUndefined();
    for (const [a, b] of [
      [restored.caller.dialog!, call.caller.dialog!],
      [restored.callee!.dialog!, call.callee!.dialog!],
      [restored.caller.media!.dialog, call.caller.media!.dialog],
      [restored.callee!.media!.dialog, call.callee!.media!.dialog],
    ] as const) {
      expect(a.key).toBe(b.key);
      expect(a.flow).toEqual(b.flow);
    }
    expect(restored.caller.media).toMatchObject({ connId: "conn:a", engineBoot: "boot-1", closed: false });
    expect(restored.caller.media!.answer.toString()).toBe(call.caller.media!.answer.toString());
    const info = restored.callee!.media!.dialog.createRequest("INFO");
    expect(parseCSeq(info.headers.get("CSeq")!).seq).toBe(20 + RESTORED_CSEQ_GAP + 1);
  });

  it("only an established call with both dialogs and legs is kept", () => {
    const call = new Call(
      "00000000000000bb",
      { party: { kind: "extension", dn: "1002", number: "1002" } },
      "1001",
    );
    expect(snapshotCall(call)).toBeUndefined();
    const up = establishedCall(undefined);
    up.callee!.media!.closed = true;
    expect(snapshotCall(up)).toBeUndefined();
  });

  it("a party on a WebSocket cannot be reached after a restart; UDP and TCP parties can", () => {
    expect(
      reachableAfterRestart(
        uasDialog("ws", { transport: "WS", host: "10.0.0.1", port: 5, connectionId: "c1" }),
      ),
    ).toBe(false);
    expect(reachableAfterRestart(uasDialog("udp", { transport: "UDP", host: "10.0.0.1", port: 5060 }))).toBe(
      true,
    );
    expect(reachableAfterRestart(uasDialog("tcp", { transport: "TCP", host: "10.0.0.1", port: 5060 }))).toBe(
      true,
    );
  });

  it("refuses a damaged snapshot with the field that is wrong", () => {
    const snapshot = JSON.parse(JSON.stringify(snapshotCall(establishedCall(undefined))));
    snapshot.callee.dialog.remoteTarget = "";
    delete snapshot.caller.media;
    const result = zCallSnapshot.safeParse(snapshot);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join("."))).toEqual(
      expect.arrayContaining(["caller.media", "callee.dialog.remoteTarget"]),
    );
    expect(zCallSnapshot.safeParse({ ...snapshot, version: 2 }).success).toBe(false);
  });
});
