import type { SessionDescription } from "./sdp-types";

/**
 * An answer that takes none of the offered streams: for an offer a UA cannot refuse, such as one
 * in a 2xx whose ACK must carry the answer (RFC 3261 §13.2.2.4, RFC 3264 §4).
 *
 * RFC 3264 §6: "For each "m=" line in the offer, there MUST be a corresponding "m=" line in the
 * answer." and "An offered stream MAY be rejected in the answer, for any reasons. If a stream is
 * rejected, the offerer and answerer MUST NOT generate media (or RTCP packets) for that stream.
 * To reject an offered stream, the port number in the corresponding stream in the answer MUST be
 * set to zero. Any media formats listed are ignored. At least one MUST be present, as specified
 * by SDP."
 */
export function rejectingAnswer(
  offer: SessionDescription,
  origin: SessionDescription["origin"],
): SessionDescription {
  return {
    version: 0,
    origin,
    sessionName: "-",
    emails: [],
    phones: [],
    connection: { netType: "IN", addrType: origin.addrType, address: origin.address },
    bandwidths: [],
    timings: [{ start: "0", stop: "0", repeats: [] }],
    attributes: [],
    media: offer.media.map((m) => ({
      media: m.media,
      port: 0,
      protocol: m.protocol,
      formats: m.formats.length > 0 ? [m.formats[0]!] : ["0"],
      bandwidths: [],
      attributes: [],
    })),
  };
}
