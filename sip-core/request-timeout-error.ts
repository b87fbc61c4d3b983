/**
 * Why an outgoing request got no final response. RFC 3261 §8.1.3.1: "If a fatal transport
 * error is reported by the transport layer (generally, due to fatal ICMP errors in UDP or
 * connection failures in TCP), the condition MUST be treated as a 503 (Service Unavailable)
 * status code." "If a timeout is reported by the client transaction, the condition MUST be
 * treated as a 408 (Request Timeout) status code" (the client transaction's timer B or F).
 * `status` carries that equivalent.
 */
export class RequestTimeoutError extends Error {
  override readonly name = "RequestTimeoutError";
  readonly status = 408;

  constructor(readonly method: string) {
    super(`${method}: no final response before the transaction timed out`);
    Object.setPrototypeOf(this, new.target.prototype);
  }
}
