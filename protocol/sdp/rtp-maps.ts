import { getAttributes } from "./get-attribute";
import type { MediaDescription, RtpMap } from "./sdp-types";

/**
 * Static payload types of RFC 3551 §6 (Table 4) that telephony peers list without an a=rtpmap.
 * RFC 4566 §5.14: "For dynamic payload type assignments the "a=rtpmap:" attribute (see Section 6)
 * SHOULD be used to map from an RTP payload type number to a media encoding name that identifies
 * the payload format." Static ones need no rtpmap.
 */
const STATIC_PAYLOAD_TYPES: ReadonlyMap<number, RtpMap> = new Map([
  [0, { payloadType: 0, encoding: "PCMU", clockRate: 8000 }],
  [8, { payloadType: 8, encoding: "PCMA", clockRate: 8000 }],
  [9, { payloadType: 9, encoding: "G722", clockRate: 8000 }],
  [18, { payloadType: 18, encoding: "G729", clockRate: 8000 }],
]);

const RTPMAP = /^(\d{1,3}) ([^/\s]+)\/(\d{1,10})(?:\/(\d{1,3}))?\s*$/;

/** Parses an a=rtpmap value ("<payload type> <encoding name>/<clock rate>[/<encoding parameters>]"). */
export function parseRtpMap(value: string): RtpMap | undefined {
  const match = RTPMAP.exec(value);
  if (match === null) return undefined;
  const payloadType = Number(match[1]);
  if (payloadType > 127) return undefined;
  const map: RtpMap = { payloadType, encoding: match[2]!, clockRate: Number(match[3]) };
  if (match[4] !== undefined) map.channels = Number(match[4]);
  return map;
}

export function formatRtpMap(map: RtpMap): string {
  const channels = map.channels === undefined ? "" : `/${map.channels}`;
  return `${map.payloadType} ${map.encoding}/${map.clockRate}${channels}`;
}

/**
 * The RTP payload types of `media`, in m= format order: an a=rtpmap when there is one, else the
 * static assignment for PT 0, 8, 9 and 18. Formats that are neither (non-RTP formats such as
 * "webrtc-datachannel", or unknown static types) are left out.
 */
export function rtpMaps(media: MediaDescription): RtpMap[] {
  const mapped = new Map<number, RtpMap>();
  for (const value of getAttributes(media.attributes, "rtpmap")) {
    const map = parseRtpMap(value);
    if (map !== undefined && !mapped.has(map.payloadType)) mapped.set(map.payloadType, map);
  }
  const result: RtpMap[] = [];
  for (const format of media.formats) {
    if (!/^\d{1,3}$/.test(format)) continue;
    const pt = Number(format);
    const map = mapped.get(pt) ?? STATIC_PAYLOAD_TYPES.get(pt);
    if (map !== undefined) result.push({ ...map });
  }
  return result;
}

/** The codec an answer settled on: its first format that is not RFC 4733 telephone-event. */
export function selectedCodec(media: MediaDescription): RtpMap | undefined {
  return rtpMaps(media).find((map) => map.encoding.toLowerCase() !== "telephone-event");
}
