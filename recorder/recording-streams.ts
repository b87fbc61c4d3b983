import { type PortPool, PortPoolExhaustedError, type RtpSocketPair } from "../common/rtp-port-pool";
import { SipError } from "../sip-core";
import type { SiprecOffer } from "./parse-siprec-offer";
import { SAMPLE_RATE, type SrsRecording } from "./srs-recording";
import { rtcpOfferOf, StreamReceiver } from "./stream-receiver";

/** What every stream of the lab recorder shares. */
export interface StreamDeps {
  readonly ports: PortPool;
  readonly bindHost: string;
  /** The recorder's RTCP CNAME (RFC 3550 §6.5.1), the same in every stream's reports. */
  readonly cname: string;
  readonly reportIntervalMs?: number;
  readonly onError: (where: string, error: unknown, recording: string) => void;
  /** The recorder's clock (SrsRecording's), on which stored() times are given. */
  readonly now?: () => number;
}

/**
 * Binds an RTP/RTCP port pair for each m-line index, all or none: an INVITE that cannot get
 * its ports is refused with 503 before any file is created.
 */
export async function reservePairs(
  deps: StreamDeps,
  indexes: readonly number[],
): Promise<(RtpSocketPair | undefined)[]> {
  const pairs: (RtpSocketPair | undefined)[] = [];
  try {
    for (const index of indexes) pairs[index] = await deps.ports.allocatePair(deps.bindHost);
    return pairs;
  } catch (error) {
    releasePairs(pairs);
    if (error instanceof PortPoolExhaustedError) throw new SipError(503, "No free RTP port");
    throw error;
  }
}

/** Gives back pairs that never became a recording (a CANCEL, a file that could not be created). */
export function releasePairs(pairs: readonly (RtpSocketPair | undefined)[]): void {
  for (const pair of pairs) pair?.close();
}

/**
 * The media side of one recording: a StreamReceiver per recorded m-line (RTP into the
 * recording's WAV, RTCP receiver reports back to the SRC), indexed like the SDP.
 */
export class RecordingStreams {
  private readonly receivers: (StreamReceiver | undefined)[];

  constructor(
    private readonly deps: StreamDeps,
    private readonly recording: SrsRecording,
    pairs: readonly (RtpSocketPair | undefined)[],
  ) {
    this.receivers = pairs.map((pair, index) =>
      pair === undefined ? undefined : this.receiverFor(pair, index),
    );
  }

  /** The local RTP port of each of `count` m-lines (undefined: not recorded, port 0 in the answer). */
  ports(count: number): (number | undefined)[] {
    return Array.from({ length: count }, (_, index) => this.receivers[index]?.port);
  }

  has(index: number): boolean {
    return this.receivers[index] !== undefined;
  }

  /** Streams a re-offer adds (new m-lines): all bound, or none and the error. */
  async add(indexes: readonly number[]): Promise<void> {
    const pairs = await reservePairs(this.deps, indexes);
    for (const index of indexes) this.receivers[index] = this.receiverFor(pairs[index]!, index);
  }

  /** Each stream's RTCP address and direction from the offer now in force. */
  configure(offer: SiprecOffer): void {
    this.receivers.forEach((receiver, index) => {
      const direction = offer.streams[index]?.direction;
      receiver?.configure(
        rtcpOfferOf(offer.sdp, index),
        direction === "sendonly" || direction === "sendrecv",
      );
    });
  }

  /** The recording's file holds each stream's packets that arrived until `throughAt(index)`: acknowledged from now on. */
  stored(throughAt: (index: number) => number): void {
    this.receivers.forEach((receiver, index) => receiver?.stored(throughAt(index)));
  }

  /** Closes every socket and gives the ports back; safe to call twice. */
  close(): void {
    for (const receiver of this.receivers) receiver?.close();
  }

  private receiverFor(pair: RtpSocketPair, index: number): StreamReceiver {
    return new StreamReceiver({
      sockets: pair,
      cname: this.deps.cname,
      clockRate: SAMPLE_RATE,
      ...(this.deps.reportIntervalMs === undefined ? {} : { reportIntervalMs: this.deps.reportIntervalMs }),
      onRtp: (datagram) => this.recording.receiveRtp(index, datagram),
      // The lab recorder acknowledges what is in the WAV, not what merely arrived (see stored()).
      acknowledge: "stored",
      ...(this.deps.now === undefined ? {} : { now: this.deps.now }),
      onError: (where, error) => this.deps.onError(where, error, this.recording.name),
    });
  }
}
