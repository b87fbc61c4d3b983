import type { SipUri } from "../../../protocol/sip";
import type { SipAddress } from "../../../sip-core";

/** Where an extension can be reached: one Contact of a REGISTER, as the registrar keeps it. */
export interface Binding {
  /** Extension number, e.g. "1001": the user part of the To URI. */
  aor: string;
  /** The Contact URI as sent, formatted. */
  contact: string;
  contactUri: SipUri;
  /** Milliseconds, on the registrar's clock. */
  expiresAt: number;
  callId: string;
  cseq: number;
  /**
   * Where the REGISTER came from: the flow requests to this binding go through (RFC 5626
   * style), the only way to reach a WebSocket client or a phone behind NAT.
   */
  source: SipAddress;
  /** +sip.instance, unquoted (e.g. "<urn:uuid:…>"). */
  instanceId?: string;
  regId?: number;
  q?: number;
  userAgent?: string;
}
