import { ProtocolParseError } from "../protocol-parse-error";

/**
 * Why a packet was refused. A caller counts them by kind (an attack shows as a burst of
 * `auth-failed`, a looping network as `replayed`) and drops the packet: RFC 3711 §3.3: "If the
 * result is "AUTHENTICATION FAILURE" (see Section 4.2), the packet MUST be discarded from further
 * processing and the event MAY be logged."
 */
export type SrtpErrorKind =
  /** Shorter than a header plus the authentication tag. */
  | "too-short"
  /** Not RTP/RTCP version 2, or a header whose lengths run past the packet. */
  | "malformed"
  /** The tag does not match: wrong key, tampered or corrupted packet. */
  | "auth-failed"
  /** Already received, or older than the replay window (RFC 3711 §3.3.2). */
  | "replayed"
  /** RFC 3711 §9.2: the master key must not protect more than 2^48 SRTP or 2^31 SRTCP packets. */
  | "key-exhausted";

/**
 * A refused SRTP/SRTCP packet. The message names the packet's fault, never a key: keys are not
 * to be logged (issue 15 §2), and errors end up in logs.
 */
export class SrtpError extends ProtocolParseError {
  constructor(
    readonly kind: SrtpErrorKind,
    message: string,
  ) {
    super("srtp", `${kind}: ${message}`);
  }
}
