import type { SipHeaders } from "./sip-headers";
import type { SipUri } from "./sip-uri";

export interface SipRequest {
  readonly kind: "request";
  method: string;
  uri: SipUri;
  headers: SipHeaders;
  body: Buffer;
}

export interface SipResponse {
  readonly kind: "response";
  status: number;
  reason: string;
  headers: SipHeaders;
  body: Buffer;
}

export type SipMessage = SipRequest | SipResponse;

/** Limits that keep a hostile peer from making us buffer or scan without bound. */
export const SIP_LIMITS = {
  /** Whole message, header section and body. */
  maxMessageBytes: 128 * 1024,
  /** One header field after unfolding. */
  maxHeaderValueBytes: 8 * 1024,
  maxHeaderFields: 256,
} as const;
