import { describe, expect, it } from "vitest";
import { FakeClock } from "./fake-clock";
import {
  NonInviteClientTransaction,
  NonInviteClientTransactionState as S,
} from "./non-invite-client-transaction";
import { SipTransportError } from "./sip-transport-error";
import {
  flushMicrotasks,
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
  const options = request({ method: "OPTIONS", branch: "z9hG4bKnict1" });
  const tx = new NonInviteClientTransaction(options, "z9hG4bKnict1", sender.context(clock), user);
  return { clock, sender, user, tx, options };
}

/** Times (ms from start) of every transmission within `until`. */
function transmissionTimes(clock: FakeClock, sender: RecordingSender, until: number): number[] {
  const times = [0];
  let seen = sender.sent.length;
  for (let t = 1; t <= until; t++) {
    clock.advance(1);
    if (sender.sent.length > seen) {
      times.push(t);
      seen = sender.sent.length;
    }
  }
  return times;
}

describe("NonInviteClientTransaction (RFC 3261 §17.1.2)", () => {
  it("retransmits on timer E at 500 ms, 1 s, 2 s, 4 s, 4 s... and times out on timer F", () => {
    const { clock, sender, user, tx } = setup(false);
    expect(tx.runningTimers).toEqual(["E", "F"]);
    // "For the default values of T1 and T2, this results in intervals of 500 ms, 1 s, 2 s, 4 s,
    // 4 s, 4 s, etc."
    const times = transmissionTimes(clock, sender, 31_999);
    expect(times.slice(0, 7)).toEqual([0, 500, 1_500, 3_500, 7_500, 11_500, 15_500]);
    const intervals = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    expect(Math.max(...intervals)).toBe(4_000);
    expect(user.timeouts).toBe(0);
    clock.advance(1);
    expect(user.timeouts).toBe(1);
    expect(tx.state).toBe(S.Terminated);
    expect(tx.runningTimers).toEqual([]);
  });

  it("in Proceeding retransmits every T2 and passes provisionals up", () => {
    const { clock, sender, user, tx, options } = setup(false);
    tx.receiveResponse(responseTo(options, 100));
    expect(tx.state).toBe(S.Proceeding);
    clock.advance(500); // the pending timer E fires, then is reset to T2
    expect(sender.sent).toHaveLength(2);
    clock.advance(3_999);
    expect(sender.sent).toHaveLength(2);
    clock.advance(1);
    expect(sender.sent).toHaveLength(3);
    tx.receiveResponse(responseTo(options, 100));
    expect(user.responses.map((r) => r.status)).toEqual([100, 100]);
  });

  it("timer F in Proceeding informs the TU", () => {
    const { clock, user, tx, options } = setup(false);
    tx.receiveResponse(responseTo(options, 180));
    clock.advance(32_000);
    expect(user.timeouts).toBe(1);
    expect(tx.state).toBe(S.Terminated);
  });

  it("completes on a final response, absorbs retransmissions, and ends on timer K (T4)", () => {
    const { clock, sender, user, tx, options } = setup(false);
    const ok = responseTo(options, 200);
    tx.receiveResponse(ok);
    expect(tx.state).toBe(S.Completed);
    expect(tx.runningTimers).toEqual(["K"]);
    tx.receiveResponse(ok);
    expect(user.responses).toHaveLength(1);
    clock.advance(4_999);
    expect(tx.state).toBe(S.Completed);
    clock.advance(1);
    expect(tx.state).toBe(S.Terminated);
    expect(sender.sent).toHaveLength(1);
    expect(() => tx.receiveResponse(ok)).toThrow(TransactionStateError);
  });

  it("over a reliable transport starts no timer E and sets timer K to zero", () => {
    const { clock, sender, tx, options } = setup(true);
    expect(tx.runningTimers).toEqual(["F"]);
    clock.advance(31_000);
    expect(sender.sent).toHaveLength(1);
    tx.receiveResponse(responseTo(options, 404));
    expect(tx.state).toBe(S.Completed);
    clock.advance(0);
    expect(tx.state).toBe(S.Terminated);
  });

  it("terminates and informs the TU on a transport error", async () => {
    const clock = new FakeClock();
    const sender = new RecordingSender(true);
    sender.failWith = new SipTransportError("connection refused");
    const user = new RecordingClientUser();
    const tx = new NonInviteClientTransaction(request(), "z9hG4bKtest1", sender.context(clock), user);
    await flushMicrotasks();
    expect(tx.state).toBe(S.Terminated);
    expect(user.transportErrors).toHaveLength(1);
  });

  it("refuses INVITE and ACK", () => {
    const clock = new FakeClock();
    for (const method of ["INVITE", "ACK"]) {
      expect(
        () =>
          new NonInviteClientTransaction(
            request({ method }),
            "z9hG4bKx",
            new RecordingSender(false).context(clock),
            new RecordingClientUser(),
          ),
      ).toThrow(TypeError);
    }
  });
});
