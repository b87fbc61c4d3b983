/**
 * A final response a transaction user refuses a request with. Request handlers throw it; the UA
 * core turns it into the response in one place (UserAgentCore's dispatch), so handlers never
 * build error responses themselves. Any other error thrown there becomes a 500.
 */
export class SipError extends Error {
  override readonly name = "SipError";

  constructor(
    readonly status: number,
    readonly reason: string,
    readonly headers?: Record<string, string>,
  ) {
    super(`${status} ${reason}`);
    Object.setPrototypeOf(this, new.target.prototype);
    if (!Number.isInteger(status) || status < 300 || status > 699) {
      throw new RangeError(`SipError status must be a final non-2xx status (300-699), got ${status}`);
    }
  }
}
