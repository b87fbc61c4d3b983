import { formatSipAddress, type SipAddress } from "./sip-address";

/**
 * A message could not be sent, or a connection failed. RFC 3261 §18.4: "If the transport user
 * asks for a request to be sent over a reliable transport, and the result is a connection
 * failure, the transport layer SHOULD inform the transport user of a failure in sending."
 * The transactions turn it into "Transport Err." of Figures 5–8; a UAC treats it as a 503
 * (§8.1.3.1).
 */
export class SipTransportError extends Error {
  override readonly name = "SipTransportError";
  /** An event of the network (a reset, a refused connection), not a bug: logged without a stack. */
  readonly operational = true;

  constructor(
    message: string,
    readonly address?: SipAddress,
    options?: { cause?: unknown },
  ) {
    super(address === undefined ? message : `${message} (${formatSipAddress(address)})`, options);
    Object.setPrototypeOf(this, new.target.prototype);
  }

  /** The errno code of the socket error behind this one, if any (ECONNREFUSED, EPIPE, …). */
  get code(): string | undefined {
    const cause: unknown = this.cause;
    if (typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string") {
      return cause.code;
    }
    return undefined;
  }
}

export function toSipTransportError(
  error: unknown,
  message: string,
  address?: SipAddress,
): SipTransportError {
  if (error instanceof SipTransportError) return error;
  const detail = error instanceof Error ? `: ${error.message}` : "";
  return new SipTransportError(`${message}${detail}`, address, { cause: error });
}
