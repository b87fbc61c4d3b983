import type { SdpDirection } from "../../protocol/sdp";
import type { SrtpErrorKind } from "../../protocol/srtp";
export interface EndpointStats {
  packetsIn: number;
  bytesIn: number;
  packetsOut: number;
  bytesOut: number;
  /** Unknown source, not RTP, or received while the direction forbids receiving. */
  packetsDropped: number;
  /** RFC 3550 A.3 cumulative number of packets lost, summed over the SSRCs seen. */
  lost: number;
  /** RFC 3550 A.8 interarrival jitter converted from the payload clock to milliseconds. */
  jitterMs: number;
  /** ms since the epoch of the last RTP packet accepted from the remote party. */
  lastPacketAt?: number;
  remote?: { address: string; port: number };
  /** DTMF key presses received from the party as RFC 4733 events, where the endpoint decodes them. */
  dtmfKeys?: number;
  /** SDES-SRTP on this leg: the suite, and the received packets refused by kind (never the keys). */
  srtp?: { readonly suite: string; readonly refused: Readonly<Record<SrtpErrorKind, number>> } | undefined;
}

/** From the endpoint's point of view toward its remote party. */

export const directionReceives = (direction: SdpDirection): boolean =>
  direction === "sendrecv" || direction === "recvonly";
export const directionSends = (direction: SdpDirection): boolean =>
  direction === "sendrecv" || direction === "sendonly";

/** Implemented by RtpEndpoint now, by a WebRTC endpoint later. */
export interface MediaEndpoint {
  readonly id: string;
  readonly kind: "rtp" | "webrtc";
  readonly stats: Readonly<EndpointStats>;
  /**
   * Called for every RTP packet received from the remote party (already validated as RTP v2). The
   * buffer is only valid during the call (may be reused) — copy if kept. Returns unsubscribe.
   */
  onRtp(listener: (packet: Buffer, endpoint: MediaEndpoint) => void): () => void;
  /** Sends one RTP packet to the remote party (dropped, not thrown, when direction forbids sending or no remote is known yet). */
  sendRtp(packet: Buffer): void;
  setDirection(direction: SdpDirection): void;
  /** Idempotent; emits 'closed' once. */
  close(): void;
  /** No RTP from remote for inactivityTimeoutMs while direction allows receiving (reported once, re-armed when packets resume). */
  on(event: "inactive", listener: () => void): this;
  on(event: "closed", listener: () => void): this;
  /**
   * A listener (bridge peer, tap, inactivity handler) threw: the endpoint went on with the
   * others. Without an "error" listener the error is dropped, never thrown into a socket or
   * timer callback.
   */
  on(event: "error", listener: (error: unknown) => void): this;
}
