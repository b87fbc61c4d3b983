import type { MediaDescription, SdpDirection, SessionDescription } from "./sdp-types";

const DIRECTIONS: readonly string[] = ["sendrecv", "sendonly", "recvonly", "inactive"];

export function isSdpDirection(name: string): name is SdpDirection {
  return DIRECTIONS.includes(name);
}

function directionOf(media: { attributes: readonly { name: string }[] }): SdpDirection | undefined {
  for (const attr of media.attributes) if (isSdpDirection(attr.name)) return attr.name;
  return undefined;
}

/**
 * RFC 3264 §5.1: "We refer to a stream as being marked with a certain direction if a direction
 * attribute was present as either a media stream attribute or a session attribute." and "If the
 * offerer wishes to both send and receive media with its peer, it MAY include an "a=sendrecv"
 * attribute, or it MAY omit it, since sendrecv is the default." A media-level attribute wins, RFC
 * 4566 §5: "In general, session-level values are the default for all media unless overridden by an
 * equivalent media-level value."
 */
export function mediaDirection(sdp: SessionDescription, media: MediaDescription): SdpDirection {
  return directionOf(media) ?? directionOf(sdp) ?? "sendrecv";
}

/** A copy of `media` whose only direction attribute is `a=<direction>`, at the first one's place. */
export function withDirection(media: MediaDescription, direction: SdpDirection): MediaDescription {
  const attributes = [];
  let placed = false;
  for (const attr of media.attributes) {
    if (!isSdpDirection(attr.name)) attributes.push(attr);
    else if (!placed) {
      attributes.push({ name: direction });
      placed = true;
    }
  }
  if (!placed) attributes.push({ name: direction });
  return { ...media, attributes };
}

/**
 * RFC 3264 §6.1: "If a stream is offered as sendonly, the corresponding stream MUST be marked as
 * recvonly or inactive in the answer. If a media stream is listed as recvonly in the offer, the
 * answer MUST be marked as sendonly or inactive in the answer." This returns the mirror image
 * (sendrecv and inactive stay as they are).
 */
export function reverseDirection(offered: SdpDirection): SdpDirection {
  if (offered === "sendonly") return "recvonly";
  if (offered === "recvonly") return "sendonly";
  return offered;
}
