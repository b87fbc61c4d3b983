import { describe, expect, it } from "vitest";
import { FakeClock } from "./fake-clock";
import { InviteServerTransaction, InviteServerTransactionState as S } from "./invite-server-transaction";
import { SipTransportError } from "./sip-transport-error";
import {
  flushMicrotasks,
  RecordingSender,
  RecordingServerUser,
  request,
  responseTo,
} from "./test-support/sip-fixtures";
import { TransactionStateError } from "./transaction-state-error";

function setup(reliable: boolean) {
  const clock = new FakeClock();
  const sender = new RecordingSender(reliable);
  const user = new RecordingServerUser();
  let terminated = 0;
  const invite = request({ method: "INVITE", branch: "z9hG4bKist1" });
  const ack = request({ method: "ACK", branch: "z9hG4bKist1", toTag: "to1", cseqMethod: "ACK" });
  const tx = new InviteServerTransaction(
    invite,
    "z9hG4bKist1",
    sender.context(clock, () => terminated++),
    user,
  );
  return { clock, sender, user, tx, invite, ack, terminated: () => terminated };
}

describe("InviteServerTransaction (RFC 3261 §17.2.1)", () => {
  it("starts in Proceeding and sends 100 Trying at once", () => {
    const { sender, tx } = setup(false);
    expect(tx.state).toBe(S.Proceeding);
    expect(sender.startLines()).toEqual(["SIP/2.0 100 Trying"]);
    expect(tx.runningTimers).toEqual([]);
    expect(tx.finalResponseSent).toBe(false);
  });

  it("absorbs INVITE retransmissions in Proceeding by resending the latest provisional", () => {
    const { sender, tx, invite } = setup(false);
    tx.receiveRequest(invite);
    tx.respond(responseTo(invite, 180));
    tx.receiveRequest(invite);
    tx.receiveRequest(invite);
    expect(sender.startLines()).toEqual([
      "SIP/2.0 100 Trying",
      "SIP/2.0 100 Trying",
      "SIP/2.0 180 Ringing",
      "SIP/2.0 180 Ringing",
      "SIP/2.0 180 Ringing",
    ]);
  });

  it("sends a 2xx once, then absorbs INVITE retransmissions in Accepted until timer L (RFC 6026)", () => {
    const { clock, sender, user, tx, invite, ack } = setup(false);
    tx.respond(responseTo(invite, 200));
    expect(tx.state).toBe(S.Accepted);
    expect(tx.runningTimers).toEqual(["L"]);
    // An INVITE retransmission that crossed the 2xx is neither answered nor passed up; the TU's
    // own 2xx retransmission goes out; the ACK for the 2xx is not the transaction's.
    tx.receiveRequest(invite);
    tx.respond(responseTo(invite, 200));
    expect(tx.receiveAck(ack)).toBe(false);
    expect(user.transportErrors).toEqual([]);
    expect(user.ackTimeouts).toBe(0);
    expect(sender.startLines()).toEqual(["SIP/2.0 100 Trying", "SIP/2.0 200 OK", "SIP/2.0 200 OK"]);
    clock.advance(64 * 500 - 1);
    expect(tx.state).toBe(S.Accepted);
    clock.advance(1);
    expect(tx.state).toBe(S.Terminated);
    expect(() => tx.respond(responseTo(invite, 200))).toThrow(TransactionStateError);
    expect(() => tx.respond(responseTo(invite, 486))).toThrow(TransactionStateError);
  });

  it("retransmits a 300-699 on timer G (T1 doubling to T2) until timer H, then reports the missing ACK", () => {
    const { clock, sender, user, tx, invite } = setup(false);
    tx.respond(responseTo(invite, 486));
    expect(tx.state).toBe(S.Completed);
    expect(tx.runningTimers).toEqual(["G", "H"]);
    const finals = () => sender.startLines().filter((l) => l === "SIP/2.0 486 Busy Here").length;
    expect(finals()).toBe(1);
    // G: 500, 1000, 2000, 4000, 4000 ... → retransmissions at 0.5, 1.5, 3.5, 7.5, 11.5 s
    for (const [count, at] of [
      [2, 500],
      [3, 1_500],
      [4, 3_500],
      [5, 7_500],
      [6, 11_500],
    ] as const) {
      clock.advance(at - clock.now() - 1);
      expect(finals()).toBe(count - 1);
      clock.advance(1);
      expect(finals()).toBe(count);
    }
    // A retransmitted INVITE in Completed gets the final response again.
    tx.receiveRequest(invite);
    expect(finals()).toBe(7);
    clock.advance(32_000 - clock.now() - 1);
    expect(user.ackTimeouts).toBe(0);
    clock.advance(1);
    expect(user.ackTimeouts).toBe(1);
    expect(tx.state).toBe(S.Terminated);
    expect(tx.runningTimers).toEqual([]);
  });

  it("moves to Confirmed on the ACK, stops G, absorbs further ACKs, and ends on timer I (T4)", () => {
    const { clock, sender, user, tx, invite, ack } = setup(false);
    tx.respond(responseTo(invite, 404));
    tx.receiveAck(ack);
    expect(tx.state).toBe(S.Confirmed);
    expect(tx.runningTimers).toEqual(["I"]);
    const sentBefore = sender.sent.length;
    tx.receiveAck(ack);
    tx.receiveRequest(invite);
    clock.advance(4_999);
    expect(sender.sent.length).toBe(sentBefore);
    expect(tx.state).toBe(S.Confirmed);
    clock.advance(1);
    expect(tx.state).toBe(S.Terminated);
    expect(user.ackTimeouts).toBe(0);
  });

  it("over a reliable transport starts no timer G and sets timer I to zero", () => {
    const { clock, sender, tx, invite, ack } = setup(true);
    tx.respond(responseTo(invite, 480));
    expect(tx.runningTimers).toEqual(["H"]);
    clock.advance(10_000);
    expect(sender.startLines()).toEqual(["SIP/2.0 100 Trying", "SIP/2.0 480 Temporarily Unavailable"]);
    tx.receiveAck(ack);
    expect(tx.state).toBe(S.Confirmed);
    clock.advance(0);
    expect(tx.state).toBe(S.Terminated);
  });

  it("refuses responses after the final one", () => {
    const { tx, invite } = setup(false);
    tx.respond(responseTo(invite, 486));
    expect(() => tx.respond(responseTo(invite, 180))).toThrow(TransactionStateError);
    expect(() => tx.respond(responseTo(invite, 200))).toThrow(TransactionStateError);
    expect(() => tx.respond(responseTo(invite, 500))).toThrow(TransactionStateError);
  });

  it("terminates and informs the TU when a response cannot be sent", async () => {
    const { sender, user, tx, invite } = setup(false);
    sender.failWith = new SipTransportError("ICMP port unreachable");
    tx.respond(responseTo(invite, 486));
    await flushMicrotasks();
    expect(tx.state).toBe(S.Terminated);
    expect(user.transportErrors).toHaveLength(1);
    expect(tx.runningTimers).toEqual([]);
  });
});
