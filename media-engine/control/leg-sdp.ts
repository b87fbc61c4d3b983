import {
  createAnswer,
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

export interface NegotiatedLeg {
  answer: SessionDescription;
  remote: { address: string; port: number; rtcpPort?: number; rtcpMux: boolean };
  /** Direction from the media engine's point of view (what it may send / receive). */
  direction: SdpDirection;
  codec: RtpMap;
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
  options: { address: string; port: number; sessionId: string; version: number; preferCodec?: string },
): NegotiatedLeg {
  const audioIndex = offer.media.findIndex((m) => m.media === "audio" && m.port !== 0);
  if (audioIndex === -1) throw new SipError(488, "No audio stream offered");
  const audio = offer.media[audioIndex]!;
  if (!/^RTP\/AVP$/i.test(audio.protocol)) {
    throw new SipError(488, `Transport ${audio.protocol} not supported on this leg`);
  }
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
  return { answer, remote, direction: mediaDirection(answer, answered), codec };
}

export function sdpBody(sdp: SessionDescription): Buffer {
  return Buffer.from(serializeSdp(sdp), "utf8");
}

/** RFC 3264 §8.4: "c=0.0.0.0" is the legacy way to put a stream on hold. */
export function isNullAddress(address: string): boolean {
  return address === "0.0.0.0" || address === "::";
}
