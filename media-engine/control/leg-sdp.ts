import { randomBytes } from "node:crypto";
import type { MediaEncryptionPolicy } from "../../protocol/msml/engine-contract";
import {
  answerCrypto,
  chooseOfferedCrypto,
  cryptoAttribute,
  type SdesChoice,
  type SdpAttribute,
  createAnswer,
  getAttribute,
  mediaAddress,
  mediaDirection,
  parseSdp,
  serializeSdp,
  selectedCodec,
  type AnswerCodec,
  type RtpMap,
  type SdpDirection,
  type SessionDescription,
} from "../../protocol/sdp";
import { SRTP_SUITES, srtpSuite, type SrtpPolicy } from "../../protocol/srtp";
import { SipError } from "../../sip-core";

/** G.711 and RFC 4733 events: what the relay forwards without transcoding. */
export const SUPPORTED_CODECS: readonly AnswerCodec[] = [
  { encoding: "PCMU", clockRate: 8000 },
  { encoding: "PCMA", clockRate: 8000 },
  { encoding: "telephone-event", clockRate: 8000 },
];

/**
 * The SIP Server names the codec a leg must use so that both legs of a bridge match (no
 * transcoding). Defined in the engine contract; re-exported for older importers.
 */
export { PREFER_CODEC_HEADER } from "../../protocol/msml/engine-contract";

/**
 * The SDES suites the engine accepts on a leg. The answerer follows the offerer's order of
 * preference (RFC 4568 §7.1.1), so this list only says which suites are usable.
 */
export const SDES_SUITES = [
  SRTP_SUITES.AES_CM_128_HMAC_SHA1_80,
  SRTP_SUITES.AES_CM_128_HMAC_SHA1_32,
  SRTP_SUITES.AEAD_AES_128_GCM,
] as const;

/** Both keys of an SDES-SRTP leg: the peer's (what it sends with) and ours. Held in memory only. */
export interface LegSrtpKeys {
  readonly inbound: SrtpPolicy;
  readonly outbound: SrtpPolicy;
}

export interface NegotiatedLeg {
  answer: SessionDescription;
  remote: { address: string; port: number; rtcpPort?: number; rtcpMux: boolean };
  /** Direction from the media engine's point of view (what it may send / receive). */
  direction: SdpDirection;
  codec: RtpMap;
  /** Present when the leg is SDES-SRTP (RTP/SAVP). */
  srtp?: LegSrtpKeys;
}

export function parseOffer(body: Buffer, contentType: string | undefined): SessionDescription {
  if (body.length === 0) throw new SipError(488, "An SDP offer is required");
  if (contentType === undefined || !/^application\/sdp\b/i.test(contentType.trim())) {
    throw new SipError(415, "Unsupported Media Type", { Accept: "application/sdp" });
  }
  try {
    return parseSdp(body);
  } catch (error) {
    throw new SipError(400, `Bad SDP: ${(error as Error).message}`.slice(0, 120));
  }
}

/**
 * Answers the first audio stream with our port and a G.711 codec; other streams are refused
 * with port 0 (RFC 3264 §6). `preferCodec` restricts the choice so both legs of a bridge carry
 * the same payload.
 */
export function answerOffer(
  offer: SessionDescription,
  options: {
    address: string;
    port: number;
    sessionId: string;
    version: number;
    preferCodec?: string;
    /** The leg's media encryption policy; `optional` when absent. */
    encryption?: MediaEncryptionPolicy;
    /** The keys the leg uses now (re-INVITE): kept when the offer keeps the peer's key. */
    current?: LegSrtpKeys;
    /**
     * The leg takes RTCP on its RTP port only (it holds one port, RFC 5761): a re-offer without
     * a=rtcp-mux is answered with a=rtcp naming the RTP port (RFC 3605), where RTCP is read.
     */
    rtcpOnRtpPort?: boolean;
  },
): NegotiatedLeg {
  const audioIndex = offer.media.findIndex((m) => m.media === "audio" && m.port !== 0);
  if (audioIndex === -1) throw new SipError(488, "No audio stream offered");
  const audio = offer.media[audioIndex]!;
  const sdes = negotiateSdes(audio, options.encryption ?? "optional", options.current);
  const preferred = options.preferCodec?.split("/")[0]?.toUpperCase();
  const codecs = SUPPORTED_CODECS.filter(
    (codec) =>
      preferred === undefined || codec.encoding === preferred || codec.encoding === "telephone-event",
  );
  const answer = createAnswer(offer, {
    origin: {
      username: "forkline",
      sessionId: options.sessionId,
      sessionVersion: String(options.version),
      netType: "IN",
      addrType: options.address.includes(":") ? "IP6" : "IP4",
      address: options.address,
    },
    sessionName: "forkline media engine",
    address: options.address,
    ports: offer.media.map((_, i) => (i === audioIndex ? options.port : undefined)),
    codecs,
    extraMediaAttributes: (index: number): SdpAttribute[] => {
      if (index !== audioIndex) return [];
      const extra: SdpAttribute[] = [];
      if (options.rtcpOnRtpPort === true && getAttribute(audio.attributes, "rtcp-mux") === undefined)
        extra.push({ name: "rtcp", value: String(options.port) });
      if (sdes !== undefined) extra.push(cryptoAttribute(answerCrypto(sdes.choice, sdes.localKeySalt)));
      return extra;
    },
  });
  const answered = answer.media[audioIndex]!;
  const codec = selectedCodec(answered);
  if (answered.port === 0 || codec === undefined) {
    throw new SipError(
      488,
      preferred === undefined ? "No common codec (G.711 needed)" : `Codec ${preferred} not offered`,
    );
  }
  let remote: NegotiatedLeg["remote"];
  try {
    remote = mediaAddress(offer, audio);
  } catch (error) {
    throw new SipError(400, `Bad SDP: ${(error as Error).message}`.slice(0, 120));
  }
  // Our direction is the answer's: it already combines what the offerer asked for (RFC 3264 §6.1).
  const direction = mediaDirection(answer, answered);
  return sdes === undefined
    ? { answer, remote, direction, codec }
    : { answer, remote, direction, codec, srtp: sdes.keys };
}

/**
 * The leg's policy against the offered transport (RFC 4568 §7.1.2 for the crypto line): RTP/AVP is
 * plain, RTP/SAVP is SDES-SRTP with one of the offered a=crypto lines and a key of our own. Reason
 * phrases say what was missing, never a key.
 */
function negotiateSdes(
  audio: SessionDescription["media"][number],
  policy: MediaEncryptionPolicy,
  current: LegSrtpKeys | undefined,
): { choice: SdesChoice; localKeySalt: Buffer; keys: LegSrtpKeys } | undefined {
  if (/^RTP\/AVP$/i.test(audio.protocol)) {
    if (policy === "required") throw new SipError(488, "Media encryption required (RTP/SAVP with a=crypto)");
    return undefined;
  }
  if (!/^RTP\/SAVP$/i.test(audio.protocol)) {
    throw new SipError(488, `Transport ${audio.protocol} not supported on this leg`);
  }
  if (policy === "off") throw new SipError(488, "Media encryption is off on this leg (RTP/AVP only)");
  const choice = chooseOfferedCrypto(audio, SDES_SUITES);
  if (choice === undefined)
    throw new SipError(488, "No usable a=crypto line (AES_CM_128_HMAC_SHA1_80/32, AEAD_AES_128_GCM)");
  const suite = srtpSuite(choice.suite.name)!;
  const inbound: SrtpPolicy = { suite, masterKey: choice.masterKey, masterSalt: choice.masterSalt };
  // RFC 4568 §7.1.4: a re-offer may keep the keys; our own key is kept as long as the suite is, so
  // the peer's receive context (its rollover counter and replay list) goes on unchanged.
  const outbound: SrtpPolicy =
    current !== undefined && current.outbound.suite === suite
      ? current.outbound
      : {
          suite,
          masterKey: randomBytes(suite.keyLength),
          masterSalt: randomBytes(suite.saltLength),
        };
  return {
    choice,
    localKeySalt: Buffer.concat([outbound.masterKey, outbound.masterSalt]),
    keys: { inbound, outbound },
  };
}

/** Whether `next` keeps the key the peer sends with (then its receive state must be kept too). */
export function sameKey(a: SrtpPolicy | undefined, b: SrtpPolicy | undefined): boolean {
  return (
    a !== undefined &&
    b !== undefined &&
    a.suite === b.suite &&
    a.masterKey.equals(b.masterKey) &&
    a.masterSalt.equals(b.masterSalt)
  );
}

/** RFC 5761 §5.1.1: the offerer wants RTP and RTCP on one port. */
export function offersRtcpMux(offer: SessionDescription): boolean {
  const audio = offer.media.find((m) => m.media === "audio" && m.port !== 0);
  return audio !== undefined && getAttribute(audio.attributes, "rtcp-mux") !== undefined;
}

export function sdpBody(sdp: SessionDescription): Buffer {
  return Buffer.from(serializeSdp(sdp), "utf8");
}

/** RFC 3264 §8.4: "c=0.0.0.0" is the legacy way to put a stream on hold. */
export function isNullAddress(address: string): boolean {
  return address === "0.0.0.0" || address === "::";
}
