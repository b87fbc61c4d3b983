import { describe, expect, it } from "vitest";
import { FakeClock } from "./fake-clock";
import {
  NonInviteServerTransaction,
  NonInviteServerTransactionState as S,
} from "./non-invite-server-transaction";
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
  const register = request({ method: "REGISTER", branch: "z9hG4bKnist1" });
  const tx = new NonInviteServerTransaction(register, "z9hG4bKnist1", sender.context(clock), user);
  return { clock, sender, user, tx, register };
}

describe("NonInviteServerTransaction (RFC 3261 §17.2.2)", () => {
  it("discards retransmissions in Trying", () => {
    const { sender, tx, register } = setup(false);
    expect(tx.state).toBe(S.Trying);
    tx.receiveRequest(register);
    tx.receiveRequest(register);
    expect(sender.sent).toHaveLength(0);
  });

  it("moves to Proceeding on a provisional and resends the latest one for each retransmission", () => {
    const { sender, tx, register } = setup(false);
    tx.respond(responseTo(register, 100));
    expect(tx.state).toBe(S.Proceeding);
    tx.receiveRequest(register);
    expect(sender.startLines()).toEqual(["SIP/2.0 100 Trying", "SIP/2.0 100 Trying"]);
  });

  it("completes on a final response, resends it for retransmissions, discards other finals, ends on timer J", () => {
    const { clock, sender, tx, register } = setup(false);
    tx.respond(responseTo(register, 100));
    tx.respond(responseTo(register, 200));
    expect(tx.state).toBe(S.Completed);
    expect(tx.finalResponseSent).toBe(true);
    expect(tx.runningTimers).toEqual(["J"]);
    tx.receiveRequest(register);
    tx.receiveRequest(register);
    // "Any other final responses passed by the TU to the server transaction MUST be discarded".
    tx.respond(responseTo(register, 500));
    expect(tx.discardedResponses).toBe(1);
    expect(() => tx.respond(responseTo(register, 180))).toThrow(TransactionStateError);
    expect(sender.startLines()).toEqual([
      "SIP/2.0 100 Trying",
      "SIP/2.0 200 OK",
      "SIP/2.0 200 OK",
      "SIP/2.0 200 OK",
    ]);
    clock.advance(64 * 500 - 1);
    expect(tx.state).toBe(S.Completed);
    clock.advance(1);
    expect(tx.state).toBe(S.Terminated);
    expect(() => tx.respond(responseTo(register, 200))).toThrow(TransactionStateError);
  });

  it("goes from Trying straight to Completed on a final response", () => {
    const { tx, register } = setup(false);
    tx.respond(responseTo(register, 403));
    expect(tx.state).toBe(S.Completed);
  });

  it("over a reliable transport sets timer J to zero", () => {
    const { clock, tx, register } = setup(true);
    tx.respond(responseTo(register, 200));
    expect(tx.state).toBe(S.Completed);
    clock.advance(0);
    expect(tx.state).toBe(S.Terminated);
  });

  it("terminates and informs the TU when the response cannot be sent", async () => {
    const { sender, user, tx, register } = setup(true);
    sender.failWith = new SipTransportError("connection reset");
    tx.respond(responseTo(register, 200));
    await flushMicrotasks();
    expect(tx.state).toBe(S.Terminated);
    expect(user.transportErrors).toHaveLength(1);
  });

  it("refuses INVITE and ACK, and requests of another method as retransmissions", () => {
    const clock = new FakeClock();
    for (const method of ["INVITE", "ACK"]) {
      expect(
        () =>
          new NonInviteServerTransaction(
            request({ method }),
            "z9hG4bKx",
            new RecordingSender(false).context(clock),
            new RecordingServerUser(),
          ),
      ).toThrow(TypeError);
    }
    const { tx } = setup(false);
    expect(() => tx.receiveRequest(request({ method: "BYE" }))).toThrow(TypeError);
  });
});
