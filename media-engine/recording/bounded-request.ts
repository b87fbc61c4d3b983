import type { SipRequest, SipResponse } from "../../protocol/sip";
import { readTopVia, viaBranch, type UserAgentCore } from "../../sip-core";
import { judgedTimeout, LATE_TIMER_MS } from "../../common/judged-timer";

/** What became of a request sent with a deadline: its final response, the error, or nothing in time. */
export type BoundedOutcome = SipResponse | Error | "timeout";

/** How many times a deadline missed only because this process was stalled is given again. */
const MAX_STALLED_DEADLINES = 3;

/**
 * Sends `request` and waits at most `deadlineMs` for its final response. RFC 3261 transaction
 * timers give up only after 64*T1 (32 s), far beyond the 5 s in which a lost recorder must be
 * noticed; past the deadline the client transaction is stopped (`abandon`) so it does not go on
 * retransmitting into a dead address. The returned promise never rejects.
 *
 * A deadline is judged after the poll phase (setImmediate), so an answer already waiting in the
 * socket is read first; and a deadline whose timer fired more than 200 ms late — this process's
 * event loop was starved, not the peer silent — is given again. Without that, an engine under
 * CPU pressure declared all its healthy recorders lost at once and buried itself in re-INVITEs
 * (the recorded-call benchmark's overload cascade).
 */
export async function sendBounded(
  ua: UserAgentCore,
  send: () => Promise<SipResponse>,
  request: SipRequest,
  deadlineMs: number,
): Promise<BoundedOutcome> {
  const answered = send().catch((error: unknown) =>
    error instanceof Error ? error : new Error(String(error)),
  );
  for (let attempt = 0; ; attempt++) {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"timeout" | "stalled">((resolve) => {
      timer = judgedTimeout(deadlineMs, (lateMs) => resolve(lateMs > LATE_TIMER_MS ? "stalled" : "timeout"));
    });
    const outcome = await Promise.race([answered, deadline]);
    clearTimeout(timer);
    if (outcome === "stalled" && attempt < MAX_STALLED_DEADLINES) continue;
    if (outcome === "timeout" || outcome === "stalled") {
      abandon(ua, request);
      return "timeout";
    }
    return outcome;
  }
}

/**
 * Stops the retransmissions of a client transaction the caller no longer waits for. sip-core has
 * no public way to terminate a client transaction, so it is disposed (timers stopped, RFC 3261
 * state unchanged): a late response is still matched and handed up, and the transaction leaves
 * the layer's table when one arrives.
 */
export function abandon(ua: UserAgentCore, request: SipRequest): void {
  try {
    const branch = viaBranch(readTopVia(request.headers));
    if (branch !== undefined) ua.layer.findClientTransaction(branch, request.method)?.dispose();
  } catch {
    // Never sent (no Via): nothing to stop.
  }
}
