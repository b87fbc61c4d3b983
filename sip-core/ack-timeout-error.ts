/** A 2xx to INVITE was retransmitted for 64*T1 without an ACK (RFC 3261 §13.3.1.4). */
export class AckTimeoutError extends Error {
  override readonly name = "AckTimeoutError";

  constructor(readonly callId: string) {
    super(`no ACK for the 2xx to INVITE of call ${callId}`);
    Object.setPrototypeOf(this, new.target.prototype);
  }
}
