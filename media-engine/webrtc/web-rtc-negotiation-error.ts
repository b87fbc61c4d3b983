/** The browser's offer cannot be answered with a G.711 audio leg; the caller should reject the INVITE (488). */
export class WebRtcNegotiationError extends Error {
  override readonly name = "WebRtcNegotiationError";
}
