import { randomBytes, randomInt } from "node:crypto";
import { PortPool, type RtpSocketPair } from "../common/rtp-port-pool";
import { createAnswer, type SdpOrigin, type SessionDescription } from "../protocol/sdp";
import { SipError } from "../sip-core";
import type { SiprecOffer } from "./parse-siprec-offer";
import { RecordingStreams, releasePairs, reservePairs, type StreamDeps } from "./recording-streams";
import type { SrsRecording } from "./srs-recording";

export interface SrsMediaOptions {
  /** The address RTP sockets bind to. */
  readonly bindHost: string;
  /** The address the SDP answers name (c= and o=). */
  readonly advertisedHost: string;
  /** 0 and 0 let the OS choose RTP ports (tests). */
  readonly rtpPortMin: number;
  readonly rtpPortMax: number;
  readonly now: () => number;
  /** How often each stream sends an RTCP receiver report; 1 s unless a test says otherwise. */
  readonly reportIntervalMs?: number;
  readonly onError: StreamDeps["onError"];
}

/** One recording session's media: its streams' sockets, its o= line and the answer it gave last. */
export interface SessionMedia {
  readonly streams: RecordingStreams;
  readonly origin: SdpOrigin;
  answer: SessionDescription;
}

/** RTP/RTCP socket pairs reserved for an offer, indexed by m-line (undefined: not recorded). */
export type ReservedPairs = (RtpSocketPair | undefined)[];

const CODECS = [
  { encoding: "PCMU", clockRate: 8000 },
  { encoding: "PCMA", clockRate: 8000 },
];

/** The offer's streams the recorder can record: PCMU or PCMA audio with a SIPREC label. */
export function recordableStreams(offer: SiprecOffer): SiprecOffer["streams"] {
  return offer.streams.filter((s) => s.payloadTypes.size > 0 && s.label !== undefined);
}

/**
 * The lab recorder's media side, apart from its SIP: the RTP/RTCP ports of each recording
 * session (from one pool), the SDP answer that names them (recvonly, SRTP when offered), and
 * the changes an in-dialog offer makes to them.
 */
export class SrsMedia {
  private readonly deps: StreamDeps;

  constructor(private readonly options: SrsMediaOptions) {
    this.deps = {
      ports: new PortPool(options.rtpPortMin, options.rtpPortMax),
      bindHost: options.bindHost,
      // RFC 3550 §6.5.1 CNAME of this recorder, the same in every stream's reports.
      cname: `forkline-recorder-${randomBytes(6).toString("hex")}`,
      now: options.now,
      ...(options.reportIntervalMs === undefined ? {} : { reportIntervalMs: options.reportIntervalMs }),
      onError: options.onError,
    };
  }

  /** Binds the sockets of the offer's recordable streams, all or none (488 when there are none). */
  reserve(offer: SiprecOffer): Promise<ReservedPairs> {
    const recordable = recordableStreams(offer);
    if (recordable.length === 0) throw new SipError(488, "No PCMU or PCMA audio stream to record");
    return reservePairs(
      this.deps,
      recordable.map((s) => s.index),
    );
  }

  /** Gives back pairs that never became a recording (a CANCEL, a file that could not be created). */
  release(pairs: ReservedPairs): void {
    releasePairs(pairs);
  }

  /** The session's streams on its reserved sockets, and the answer to its offer. */
  open(session: SrsRecording, pairs: ReservedPairs, offer: SiprecOffer): SessionMedia {
    const address = this.options.advertisedHost;
    const origin: SdpOrigin = {
      username: "forkline-recorder",
      sessionId: String(randomInt(1, 2 ** 47)),
      sessionVersion: "1",
      netType: "IN",
      addrType: address.includes(":") ? "IP6" : "IP4",
      address,
    };
    const streams = new RecordingStreams(this.deps, session, pairs);
    const answer = this.answer(offer, streams, origin);
    streams.configure(offer);
    return { streams, origin, answer };
  }

  /**
   * Applies an in-dialog offer and returns the answer. RFC 3264 §8: "When issuing an offer that
   * modifies the session, the "o=" line of the new SDP MUST be identical to that in the previous
   * SDP, except that the version in the origin field MUST increment by one from the previous
   * SDP." A stream keeps its port; a stream added at the end gets a new one. Nothing changes
   * before the offer is known to be acceptable, so a refused offer leaves the session as it was.
   */
  async reoffer(media: SessionMedia, session: SrsRecording, offer: SiprecOffer): Promise<SessionDescription> {
    // RFC 3264 §8 (paraphrased): m-lines are never removed from a modified offer; a stream that is
    // no longer wanted stays in place with port zero.
    if (offer.sdp.media.length < media.answer.media.length)
      throw new SipError(
        488,
        `The offer has ${offer.sdp.media.length} m-lines, fewer than the ${media.answer.media.length} of the session`,
      );
    await media.streams.add(
      recordableStreams(offer)
        .filter((s) => s.index >= media.answer.media.length)
        .map((s) => s.index),
    );
    const version = BigInt(media.origin.sessionVersion) + 1n;
    const origin: SdpOrigin = { ...media.origin, sessionVersion: version.toString() };
    Object.assign(media.origin, origin);
    // A stream the session once rejected stays rejected: its port is not there to offer.
    const answer = this.answer(offer, media.streams, origin);
    media.answer = answer;
    session.applyOffer(offer);
    media.streams.configure(offer);
    return answer;
  }

  private answer(offer: SiprecOffer, streams: RecordingStreams, origin: SdpOrigin): SessionDescription {
    const srtp = streams.negotiateSrtp(offer.sdp);
    return createAnswer(offer.sdp, {
      origin,
      sessionName: "forkline lab recorder",
      address: this.options.advertisedHost,
      ports: streams
        .ports(offer.sdp.media.length)
        .map((port, i) => (srtp[i] === "refused" ? undefined : port)),
      codecs: CODECS,
      extraMediaAttributes: (index) => {
        const stream = srtp[index];
        return stream === undefined || stream === "refused" ? [] : [stream.attribute];
      },
      // RFC 3264 §6.1: "If a stream is offered as sendonly, the corresponding stream MUST be
      // marked as recvonly or inactive in the answer." and "If an offered media stream is listed
      // as inactive, it MUST be marked as inactive in the answer." A recorder only receives.
      direction: "recvonly",
    });
  }
}
