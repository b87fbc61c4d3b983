import { SrtpContext, type SrtpPolicy } from "./srtp-context";
import { SrtpError, type SrtpErrorKind } from "./srtp-error";
import type { SrtpSuite } from "./srtp-suite";

/**
 * Both directions of one SRTP stream as a relay uses them: the peer's key to open what it sends,
 * ours to protect what we send (SDES gives each direction its own key, RFC 4568 §6.1). A refused
 * packet is counted by kind and dropped (RFC 3711 §3.3: "the packet MUST be discarded"), never
 * thrown into a socket callback.
 */
export class SrtpSession {
  readonly refused: Record<SrtpErrorKind, number> = {
    "too-short": 0,
    malformed: 0,
    "auth-failed": 0,
    replayed: 0,
    "key-exhausted": 0,
  };
  private readonly inbound: SrtpContext;
  private readonly outbound: SrtpContext;

  constructor(keys: { readonly inbound: SrtpPolicy; readonly outbound: SrtpPolicy }) {
    this.inbound = new SrtpContext(keys.inbound);
    this.outbound = new SrtpContext(keys.outbound);
  }

  get suite(): SrtpSuite {
    return this.outbound.suite;
  }

  /** Plain RTP, or undefined (counted) when the packet is refused. */
  unprotectRtp(packet: Buffer): Buffer | undefined {
    return this.guard(() => this.inbound.unprotect(packet));
  }

  unprotectRtcp(packet: Buffer): Buffer | undefined {
    return this.guard(() => this.inbound.unprotectRtcp(packet));
  }

  protectRtp(packet: Buffer): Buffer | undefined {
    return this.guard(() => this.outbound.protect(packet));
  }

  protectRtcp(packet: Buffer): Buffer | undefined {
    return this.guard(() => this.outbound.protectRtcp(packet));
  }

  private guard(fn: () => Buffer): Buffer | undefined {
    try {
      return fn();
    } catch (error) {
      if (!(error instanceof SrtpError)) throw error;
      this.refused[error.kind]++;
      return undefined;
    }
  }
}
