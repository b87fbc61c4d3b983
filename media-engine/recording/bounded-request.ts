import type { SipRequest, SipResponse } from "../../protocol/sip";
import { readTopVia, viaBranch, type UserAgentCore } from "../../sip-core";

/** What became of a request sent with a deadline: its final response, the error, or nothing in time. */
export type BoundedOutcome = SipResponse | Error | "timeout";

/**
 * Sends `request` and waits at most `deadlineMs` for its final response. RFC 3261 transaction
 * timers give up only after 64*T1 (32 s), far beyond the 5 s in which a lost recorder must be
 * noticed; past the deadline the client transaction is stopped (`abandon`) so it does not go on
 * retransmitting into a dead address. The returned promise never rejects.
 */
export async function sendBounded(
  ua: UserAgentCore,
  send: () => Promise<SipResponse>,
  request: SipRequest,
  deadlineMs: number,
): Promise<BoundedOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), deadlineMs);
  });
  const answered = send().catch((error: unknown) =>
    error instanceof Error ? error : new Error(String(error)),
  );
  const outcome = await Promise.race([answered, timedOut]);
  clearTimeout(timer);
  if (outcome === "timeout") abandon(ua, request);
  return outcome;
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
