import {
  formatRtpMap,
  getAttribute,
  getAttributes,
  mediaDirection,
  parseSdp,
  rtpMaps,
  serializeSdp,
  type MediaDescription,
  type RtpMap,
  type SdpAttribute,
  type SdpDirection,
  type SessionDescription,
} from "../../protocol/sdp";
import { WebRtcNegotiationError } from "./web-rtc-negotiation-error";

export interface NegotiatedCodec {
  payloadType: number;
  encoding: string;
  clockRate: number;
}

export interface PreparedOffer {
  offer: SessionDescription;
  /** Index of the one m= section we accept; every other one is answered with port 0. */
  audioIndex: number;
  mid: string | undefined;
  codec: NegotiatedCodec;
  /** RFC 4733 events at 8 kHz, when offered. */
  telephoneEventPayloadType: number | undefined;
  /** The browser's direction, from its point of view. */
  direction: SdpDirection;
  iceUfrag: string;
  /** What werift gets: the accepted m= section only, holding only the codecs we answer with. */
  reducedSdp: string;
}

const G711 = ["PCMU", "PCMA"];

/** Media attributes that only make sense for a payload type, as "<pt> ..." values. */
const PER_PAYLOAD_TYPE = new Set(["rtpmap", "fmtp", "rtcp-fb"]);

/** Session-level attributes a media section inherits; werift only reads them at media level. */
const INHERITED = ["ice-ufrag", "ice-pwd", "ice-options", "fingerprint", "setup"];

/**
 * Checks a browser's offer and picks what the answer will hold. The offer werift sees is cut down
 * to that choice, because werift matches codecs by MIME type only: given Chrome's
 * "telephone-event/48000" before "telephone-event/8000", it would answer the 48 kHz one, which no
 * SIP leg can relay.
 */
export function prepareOffer(
  offerSdp: string,
  options: { preferCodec?: string; requireMid?: string } = {},
): PreparedOffer {
  let offer: SessionDescription;
  try {
    offer = parseSdp(offerSdp);
  } catch (error) {
    throw new WebRtcNegotiationError(`unparsable offer: ${(error as Error).message}`);
  }
  const audioIndex = offer.media.findIndex((m) => m.media === "audio" && m.port !== 0);
  if (audioIndex < 0) throw new WebRtcNegotiationError("the offer has no audio stream");
  const audio = offer.media[audioIndex]!;
  if (!/^UDP\/TLS\/RTP\/SAVPF?$/i.test(audio.protocol)) {
    throw new WebRtcNegotiationError(`audio over ${audio.protocol} is not DTLS-SRTP`);
  }
  const inherited = (name: string): string | undefined =>
    getAttribute(audio.attributes, name) ?? getAttribute(offer.attributes, name);
  const fingerprint = inherited("fingerprint");
  if (!fingerprint) throw new WebRtcNegotiationError("the offer has no DTLS fingerprint");
  const iceUfrag = inherited("ice-ufrag");
  if (!iceUfrag || !inherited("ice-pwd"))
    throw new WebRtcNegotiationError("the offer has no ICE credentials");
  if (getAttribute(audio.attributes, "rtcp-mux") === undefined) {
    // werift only implements rtcpMuxPolicy "require", like browsers since 2016.
    throw new WebRtcNegotiationError("the offer does not multiplex RTCP (a=rtcp-mux)");
  }
  const mid = getAttribute(audio.attributes, "mid");
  if (options.requireMid !== undefined && mid !== options.requireMid) {
    throw new WebRtcNegotiationError(`the audio stream changed mid from ${options.requireMid} to ${mid}`);
  }

  const maps = rtpMaps(audio);
  const codecMap = chooseCodec(maps, options.preferCodec);
  const telephoneEvent = maps.find(
    (m) => m.encoding.toLowerCase() === "telephone-event" && m.clockRate === 8000,
  );
  const kept = telephoneEvent ? [codecMap, telephoneEvent] : [codecMap];

  return {
    offer,
    audioIndex,
    mid,
    codec: { payloadType: codecMap.payloadType, encoding: codecMap.encoding.toUpperCase(), clockRate: 8000 },
    telephoneEventPayloadType: telephoneEvent?.payloadType,
    direction: mediaDirection(offer, audio),
    iceUfrag,
    reducedSdp: serializeSdp(reduce(offer, audio, mid, kept, inherited)),
  };
}

function chooseCodec(maps: readonly RtpMap[], preferCodec: string | undefined): RtpMap {
  const g711 = maps.filter((m) => G711.includes(m.encoding.toUpperCase()) && m.clockRate === 8000);
  if (preferCodec !== undefined) {
    const [encoding, rate = "8000"] = preferCodec.split("/");
    const wanted = g711.find(
      (m) => m.encoding.toUpperCase() === encoding?.toUpperCase() && String(m.clockRate) === rate,
    );
    if (!wanted) throw new WebRtcNegotiationError(`the offer does not include ${preferCodec}`);
    return wanted;
  }
  const first = g711[0];
  if (!first) throw new WebRtcNegotiationError("the offer has no G.711 codec (PCMU or PCMA)");
  return first;
}

function reduce(
  offer: SessionDescription,
  audio: MediaDescription,
  mid: string | undefined,
  kept: readonly RtpMap[],
  inherited: (name: string) => string | undefined,
): SessionDescription {
  const keptTypes = new Set(kept.map((m) => String(m.payloadType)));
  const attributes: SdpAttribute[] = audio.attributes.filter((attr) => {
    if (attr.name === "extmap") return false;
    if (!PER_PAYLOAD_TYPE.has(attr.name)) return true;
    return keptTypes.has((attr.value ?? "").split(" ")[0]!);
  });
  // A static type offered without a=rtpmap (RFC 3551 style) still needs one for werift's parser.
  for (const map of kept) {
    if (!getAttributes(attributes, "rtpmap").some((v) => v.startsWith(`${map.payloadType} `))) {
      attributes.push({ name: "rtpmap", value: formatRtpMap(map) });
    }
  }
  for (const name of INHERITED) {
    const value = inherited(name);
    if (value !== undefined && getAttribute(audio.attributes, name) === undefined) {
      attributes.push({ name, value });
    }
  }
  const bundled = offer.attributes.some(
    (attr) => attr.name === "group" && mid !== undefined && attr.value?.split(" ").slice(1).includes(mid),
  );
  return {
    ...offer,
    attributes: [
      ...offer.attributes.filter((attr) => attr.name !== "group" && !INHERITED.includes(attr.name)),
      ...(bundled ? [{ name: "group", value: `BUNDLE ${mid}` }] : []),
    ],
    media: [{ ...audio, formats: kept.map((m) => String(m.payloadType)), attributes }],
  };
}
