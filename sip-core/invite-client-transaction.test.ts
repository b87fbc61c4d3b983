import { describe, expect, it } from "vitest";
import { FakeClock } from "./fake-clock";
import { InviteClientTransaction, InviteClientTransactionState as S } from "./invite-client-transaction";
import { SipTransportError } from "./sip-transport-error";
import {
  flushMicrotasks,
  parseRequest,
  RecordingClientUser,
  RecordingSender,
  request,
  responseTo,
} from "./test-support/sip-fixtures";
import { TransactionStateError } from "./transaction-state-error";

function setup(reliable: boolean) {
  const clock = new FakeClock();
  const sender = new RecordingSender(reliable);
  const user = new RecordingClientUser();
  let terminated = 0;
  const invite = request({
    method: "INVITE",
    branch: "z9hG4bKict1",
    transport: reliable ? "TCP" : "UDP",
    extraHeaders: ["Route: <sip:proxy.example.com;lr>"],
  });
  const tx = new InviteClientTransaction(
    invite,
    "z9hG4bKict1",
    sender.context(clock, () => terminated++),
    user,
  );
  return { clock, sender, user, tx, invite, terminated: () => terminated };
}

describe("InviteClientTransaction (RFC 3261 §17.1.1)", () => {
  it("sends the INVITE at once and starts timers A and B over UDP", () => {
    const { sender, tx } = setup(false);
    expect(tx.state).toBe(S.Calling);
    expect(sender.startLines()).toEqual(["INVITE sip:bob@192.0.2.20 SIP/2.0"]);
    expect(tx.runningTimers).toEqual(["A", "B"]);
  });

  it("retransmits on timer A with doubling intervals until timer B times out (7 transmissions)", () => {
    const { clock, sender, user, tx, terminated } = setup(false);
    // Timer A: T1, then 2*T1, 4*T1 ... ("intervals that double after each transmission"); timer B
    // at 64*T1 = 32 s bounds it: sends at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s.
    const sendTimes = [500, 1_500, 3_500, 7_500, 15_500, 31_500];
    let previous = 0;
    for (const [i, at] of sendTimes.entries()) {
      clock.advance(at - 1 - previous);
      expect(sender.sent).toHaveLength(i + 1);
      clock.advance(1);
      expect(sender.sent).toHaveLength(i + 2);
      previous = at;
    }
    expect(user.timeouts).toBe(0);
    clock.advance(32_000 - 31_500);
    expect(user.timeouts).toBe(1);
    expect(tx.state).toBe(S.Terminated);
    expect(terminated()).toBe(1);
    expect(sender.sent).toHaveLength(7);
    // "The client transaction MUST NOT generate an ACK."
    expect(sender.startLines().every((line) => line.startsWith("INVITE"))).toBe(true);
    expect(tx.runningTimers).toEqual([]);
  });

  it("stops retransmitting on a provisional response and passes every provisional up", () => {
    const { clock, sender, user, tx, invite } = setup(false);
    tx.receiveResponse(responseTo(invite, 100));
    expect(tx.state).toBe(S.Proceeding);
    tx.receiveResponse(responseTo(invite, 180));
    expect(user.responses.map((r) => r.status)).toEqual([100, 180]);
    clock.advance(60_000);
    expect(sender.sent).toHaveLength(1);
    expect(user.timeouts).toBe(0);
    expect(tx.state).toBe(S.Proceeding);
  });

  it("terminates on a 2xx, passes it up, and leaves its ACK to the TU", () => {
    const { sender, user, tx, invite, terminated } = setup(false);
    tx.receiveResponse(responseTo(invite, 180));
    tx.receiveResponse(responseTo(invite, 200));
    expect(tx.state).toBe(S.Terminated);
    expect(terminated()).toBe(1);
    expect(user.responses.map((r) => r.status)).toEqual([180, 200]);
    expect(sender.startLines()).toEqual(["INVITE sip:bob@192.0.2.20 SIP/2.0"]);
    expect(() => tx.receiveResponse(responseTo(invite, 200))).toThrow(TransactionStateError);
  });

  it("ACKs a 300-699 itself (§17.1.1.3), absorbs its retransmissions, and ends on timer D", () => {
    const { clock, sender, user, tx, invite } = setup(false);
    const busy = responseTo(invite, 486, "busy1");
    tx.receiveResponse(busy);
    expect(tx.state).toBe(S.Completed);
    expect(user.responses.map((r) => r.status)).toEqual([486]);
    expect(tx.runningTimers).toEqual(["D"]);
    const ack = parseRequest(sender.sent[1] ?? Buffer.alloc(0));
    expect(ack.method).toBe("ACK");
    expect(ack.uri).toEqual(invite.uri);
    expect(ack.headers.getAll("Via")).toEqual([invite.headers.getAll("Via")[0]]);
    expect(ack.headers.get("To")).toBe(busy.headers.get("To"));
    expect(ack.headers.get("From")).toBe(invite.headers.get("From"));
    expect(ack.headers.get("Call-ID")).toBe(invite.headers.get("Call-ID"));
    expect(ack.headers.get("CSeq")).toBe("1 ACK");
    expect(ack.headers.get("Route")).toBe("<sip:proxy.example.com;lr>");

    tx.receiveResponse(busy);
    tx.receiveResponse(busy);
    expect(sender.startLines().filter((l) => l.startsWith("ACK"))).toHaveLength(3);
    expect(user.responses).toHaveLength(1);

    clock.advance(31_999);
    expect(tx.state).toBe(S.Completed);
    clock.advance(1);
    expect(tx.state).toBe(S.Terminated);
  });

  it("over a reliable transport starts no timer A and sets timer D to zero", () => {
    const { clock, sender, user, tx, invite } = setup(true);
    expect(tx.runningTimers).toEqual(["B"]);
    clock.advance(31_999);
    expect(sender.sent).toHaveLength(1);
    tx.receiveResponse(responseTo(invite, 603));
    expect(sender.startLines()[1]).toBe("ACK sip:bob@192.0.2.20 SIP/2.0");
    expect(tx.state).toBe(S.Completed);
    clock.advance(0);
    expect(tx.state).toBe(S.Terminated);
    expect(user.timeouts).toBe(0);
  });

  it("reliable: timer B still times the transaction out", () => {
    const { clock, user, tx } = setup(true);
    clock.advance(32_000);
    expect(user.timeouts).toBe(1);
    expect(tx.state).toBe(S.Terminated);
  });

  it("terminates and informs the TU on a transport error", async () => {
    const clock = new FakeClock();
    const sender = new RecordingSender(false);
    sender.failWith = new SipTransportError("ICMP port unreachable");
    const user = new RecordingClientUser();
    const tx = new InviteClientTransaction(
      request({ method: "INVITE" }),
      "z9hG4bKtest1",
      sender.context(clock),
      user,
    );
    await flushMicrotasks();
    expect(tx.state).toBe(S.Terminated);
    expect(user.transportErrors.map((e) => e.message)).toEqual(["ICMP port unreachable"]);
    expect(tx.runningTimers).toEqual([]);
  });

  it("refuses a request other than INVITE", () => {
    const clock = new FakeClock();
    expect(
      () =>
        new InviteClientTransaction(
          request({ method: "OPTIONS" }),
          "z9hG4bKx",
          new RecordingSender(false).context(clock),
          new RecordingClientUser(),
        ),
    ).toThrow(TypeError);
  });
});
