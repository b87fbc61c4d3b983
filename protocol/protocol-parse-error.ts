export type ProtocolName =
  "sip" | "sdp" | "msml" | "rtp" | "rtcp" | "srtp" | "siprec-metadata" | "multipart" | "engine-heartbeat";

/**
 * Malformed input to a pure codec. Carries which codec refused the input and why,
 * so the layer above can turn it into the right error response (400, MSML 4xx, drop).
 */
export class ProtocolParseError extends Error {
  override readonly name = "ProtocolParseError";

  constructor(
    readonly protocol: ProtocolName,
    message: string,
    readonly offset?: number,
  ) {
    super(`${protocol}: ${message}`);
    Object.setPrototypeOf(this, new.target.prototype);
  }
}
