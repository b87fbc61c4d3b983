import { randomBytes } from "node:crypto";
import { type PortPool, PortPoolExhaustedError, type RtpSocketPair } from "../common/rtp-port-pool";
import {
  answerCrypto,
  chooseOfferedCrypto,
  cryptoAttribute,
  type SdpAttribute,
  type SessionDescription,
} from "../protocol/sdp";
import { SRTP_SUITES, SrtpSession, srtpSuite, type SrtpPolicy } from "../protocol/srtp";
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

/** Per m-line: plain RTP, SRTP with the answer's a=crypto, or refused (no usable crypto line). */
export type StreamSrtp = undefined | { readonly attribute: SdpAttribute } | "refused";

/** The SDES suites the lab recorder accepts (RFC 4568 §6.2, RFC 7714 §14.2). */
const SUITES = [
  SRTP_SUITES.AES_CM_128_HMAC_SHA1_80,
  SRTP_SUITES.AES_CM_128_HMAC_SHA1_32,
  SRTP_SUITES.AEAD_AES_128_GCM,
];

/**
 * The media side of one recording: a StreamReceiver per recorded m-line (RTP into the
 * recording's WAV, RTCP receiver reports back to the SRC), indexed like the SDP.
 */
export class RecordingStreams {
  private readonly receivers: (StreamReceiver | undefined)[];
  /** Per m-line, the keys in force (in memory only). */
  private readonly keys: ({ inbound: SrtpPolicy; outbound: SrtpPolicy } | undefined)[] = [];

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

  /**
   * SDES for each recorded RTP/SAVP m-line (RFC 4568 §7.1.2): the first usable offered crypto
   * line, answered with its tag and suite and our own key, drawn at random for the stream and kept
   * for re-offers of the same suite. A SAVP m-line without a usable line is refused (port 0 in the
   * answer): the answerer rejects a stream whose crypto it cannot accept. The keys take effect at
   * once; a re-offer with the same keys keeps the session (rollover counters, replay lists).
   */
  negotiateSrtp(sdp: SessionDescription): StreamSrtp[] {
    return sdp.media.map((media, index) => {
      const receiver = this.receivers[index];
      if (receiver === undefined || !/^RTP\/SAVP$/i.test(media.protocol)) {
        receiver?.setSrtp(undefined);
        this.keys[index] = undefined;
        return undefined;
      }
      const choice = chooseOfferedCrypto(media, SUITES);
      if (choice === undefined) return "refused";
      const suite = srtpSuite(choice.suite.name)!;
      const previous = this.keys[index];
      const outbound =
        previous?.outbound.suite === suite
          ? previous.outbound
          : { suite, masterKey: randomBytes(suite.keyLength), masterSalt: randomBytes(suite.saltLength) };
      const inbound = { suite, masterKey: choice.masterKey, masterSalt: choice.masterSalt };
      const same =
        previous !== undefined &&
        previous.outbound === outbound &&
        previous.inbound.suite === suite &&
        previous.inbound.masterKey.equals(inbound.masterKey) &&
        previous.inbound.masterSalt.equals(inbound.masterSalt);
      if (!same) {
        this.keys[index] = { inbound, outbound };
        receiver.setSrtp(new SrtpSession({ inbound, outbound }));
      }
      const keySalt = Buffer.concat([outbound.masterKey, outbound.masterSalt]);
      return { attribute: cryptoAttribute(answerCrypto(choice, keySalt)) };
    });
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
