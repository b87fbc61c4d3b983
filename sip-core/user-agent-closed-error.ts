/** The user agent core was closed while the request was pending. */
export class UserAgentClosedError extends Error {
  override readonly name = "UserAgentClosedError";

  constructor(readonly method: string) {
    super(`${method}: the user agent core was closed`);
    Object.setPrototypeOf(this, new.target.prototype);
  }
}
