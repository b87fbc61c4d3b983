import { getAttribute, getAttributes } from "./get-attribute";
import { mediaDirection } from "./media-direction";
import { formatRtpMap, rtpMaps } from "./rtp-maps";
import type {
  MediaDescription,
  RtpMap,
  SdpAttribute,
  SdpDirection,
  SdpOrigin,
  SessionDescription,
} from "./sdp-types";

export interface AnswerCodec {
  encoding: string;
  clockRate: number;
  channels?: number;
  fmtp?: string;
}

export interface AnswerOptions {
  origin: SdpOrigin;
  sessionName?: string;
  /** c= IN IP4/IP6 address of the answerer (IP6 if it contains ':'). */
  address: string;
  /** Port for the i-th offered m-line, or undefined to reject it with port 0. */
  ports: readonly (number | undefined)[];
  /** Codecs the answerer supports, matched case-insensitively by encoding/clock rate(/channels). */
  codecs: readonly AnswerCodec[];
  /** What the answerer wants; combined with the offer per RFC 3264 §6.1. Default sendrecv. */
  direction?: SdpDirection;
  /** Extra media-level attributes for accepted streams, e.g. ICE/DTLS for WebRTC legs. */
  extraMediaAttributes?: (index: number, offered: MediaDescription) => SdpAttribute[];
}

const sends = (d: SdpDirection) => d === "sendrecv" || d === "sendonly";
const receives = (d: SdpDirection) => d === "sendrecv" || d === "recvonly";

/**
 * RFC 3264 §6.1: "If a stream is offered as sendonly, the corresponding stream MUST be marked as
 * recvonly or inactive in the answer. If a media stream is listed as recvonly in the offer, the
 * answer MUST be marked as sendonly or inactive in the answer. If an offered media stream is listed
 * as sendrecv (or if there is no direction attribute at the media or session level, in which case
 * the stream is sendrecv by default), the corresponding stream in the answer MAY be marked as
 * sendonly, recvonly, sendrecv, or inactive. If an offered media stream is listed as inactive, it
 * MUST be marked as inactive in the answer." The answerer sends only what the offerer receives and
 * receives only what the offerer sends.
 */
export function answerDirection(offered: SdpDirection, wanted: SdpDirection): SdpDirection {
  const send = sends(wanted) && receives(offered);
  const receive = receives(wanted) && sends(offered);
  if (send && receive) return "sendrecv";
  if (send) return "sendonly";
  if (receive) return "recvonly";
  return "inactive";
}

function matches(offered: RtpMap, codec: AnswerCodec): boolean {
  return (
    offered.encoding.toLowerCase() === codec.encoding.toLowerCase() &&
    offered.clockRate === codec.clockRate &&
    (codec.channels === undefined || (offered.channels ?? 1) === codec.channels)
  );
}

const isTelephoneEvent = (map: RtpMap) => map.encoding.toLowerCase() === "telephone-event";

/** The offered fmtp value for `pt` (a=fmtp:<pt> <params>), without the payload type. */
function offeredFmtp(media: MediaDescription, pt: number): string | undefined {
  for (const value of getAttributes(media.attributes, "fmtp")) {
    const space = value.indexOf(" ");
    if (space > 0 && value.slice(0, space) === String(pt)) return value.slice(space + 1).trim();
  }
  return undefined;
}

/**
 * RFC 3264 §6: "To reject an offered stream, the port number in the corresponding stream in the
 * answer MUST be set to zero. Any media formats listed are ignored. At least one MUST be present, as
 * specified by SDP." The offered formats are repeated so the m= line stays well formed.
 */
function rejected(offered: MediaDescription): MediaDescription {
  return {
    media: offered.media,
    port: 0,
    protocol: offered.protocol,
    formats: [...offered.formats],
    bandwidths: [],
    attributes: [],
  };
}

function answerMedia(
  offer: SessionDescription,
  offered: MediaDescription,
  index: number,
  options: AnswerOptions,
): MediaDescription {
  const port = options.ports[index];
  // RFC 3264 §5.1: "A port number of zero in the offer indicates that the stream is offered but
  // MUST NOT be used."
  if (port === undefined || offered.port === 0) return rejected(offered);

  // RFC 3264 §6.1: "In the case of RTP, if a particular codec was referenced with a specific payload
  // type number in the offer, that same payload type number SHOULD be used for that codec in the
  // answer." Formats keep the offer's order: "The answerer MUST send using a media format in the
  // offer that is also listed in the answer, and SHOULD send using the most preferred media format
  // in the offer that is also listed in the answer."
  const chosen: { map: RtpMap; fmtp?: string }[] = [];
  const used = new Set<number>();
  for (const map of rtpMaps(offered)) {
    const codecIndex = options.codecs.findIndex((codec, i) => !used.has(i) && matches(map, codec));
    if (codecIndex === -1) continue;
    used.add(codecIndex);
    const fmtp = options.codecs[codecIndex]!.fmtp ?? offeredFmtp(offered, map.payloadType);
    chosen.push(fmtp === undefined ? { map } : { map, fmtp });
  }
  // A stream whose only common format is telephone-event carries no audio: no common codec.
  if (!chosen.some(({ map }) => !isTelephoneEvent(map))) return rejected(offered);

  const attributes: SdpAttribute[] = [];
  for (const { map, fmtp } of chosen) {
    attributes.push({ name: "rtpmap", value: formatRtpMap(map) });
    if (fmtp !== undefined) attributes.push({ name: "fmtp", value: `${map.payloadType} ${fmtp}` });
  }
  const ptime = getAttribute(offered.attributes, "ptime");
  if (ptime !== undefined) attributes.push({ name: "ptime", value: ptime });
  // RFC 5761 §5.1.1: "If the answerer wishes to multiplex RTP and RTCP onto a single port, it MUST
  // include a media-level "a=rtcp-mux" attribute in the answer."
  if (getAttribute(offered.attributes, "rtcp-mux") !== undefined) attributes.push({ name: "rtcp-mux" });
  attributes.push({
    name: answerDirection(mediaDirection(offer, offered), options.direction ?? "sendrecv"),
  });
  attributes.push(...(options.extraMediaAttributes?.(index, offered) ?? []));

  return {
    media: offered.media,
    port,
    protocol: offered.protocol,
    formats: chosen.map(({ map }) => String(map.payloadType)),
    bandwidths: [],
    attributes,
  };
}

/**
 * Builds the answer to `offer` (RFC 3264 §6): "For each "m=" line in the offer, there MUST be a
 * corresponding "m=" line in the answer. The answer MUST contain exactly the same number of "m="
 * lines as the offer." and "The "t=" line in the answer MUST equal that of the offer." A stream is
 * rejected (port 0) when `ports[i]` is undefined, when it was offered with port 0, or when no codec
 * of `codecs` other than telephone-event is in it.
 */
export function createAnswer(offer: SessionDescription, options: AnswerOptions): SessionDescription {
  return {
    version: 0,
    origin: { ...options.origin },
    sessionName: options.sessionName ?? "-",
    emails: [],
    phones: [],
    connection: {
      netType: "IN",
      addrType: options.address.includes(":") ? "IP6" : "IP4",
      address: options.address,
    },
    bandwidths: [],
    timings: offer.timings.map((t) => ({ start: t.start, stop: t.stop, repeats: [...t.repeats] })),
    attributes: [],
    media: offer.media.map((offered, index) => answerMedia(offer, offered, index, options)),
  };
}
