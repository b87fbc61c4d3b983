import { ProtocolParseError } from "../protocol-parse-error";
import { getAttribute } from "./get-attribute";
import type { MediaDescription, SessionDescription } from "./sdp-types";

export interface MediaAddress {
  /** Connection address without any multicast TTL / count suffix. "0.0.0.0" means the legacy hold. */
  address: string;
  port: number;
  /** a=rtcp port when present, else RTP port + 1; undefined for a disabled (port 0) stream. */
  rtcpPort?: number;
  rtcpMux: boolean;
}

/**
 * Where to send media for `media`.
 *
 * Connection: RFC 8866 §5.7: "A session description MUST contain either at least one "c=" line in
 * each media description or a single "c=" line at the session level. It MAY contain a single
 * session-level "c=" line and additional media-level "c=" line(s) per-media-description, in which
 * case the media-level values override the session-level settings for the respective media."
 *
 * Hold: RFC 3264 §8.4: "RFC 2543 [10] specified that placing a user on hold was accomplished by
 * setting the connection address to 0.0.0.0." Such an address is returned as is; callers treat it
 * as "send nothing".
 *
 * RTCP: RFC 3264 §5.1: "Unless there is an explicit indication otherwise, reports are sent to the
 * port number one higher than the number indicated." RFC 3605 §2.1: "The RTCP attribute is used to
 * document the RTCP port used for media stream, when that port is not the next higher (odd) port
 * number following the RTP port described in the media line." RFC 5761 §5.1.1: "If the answerer
 * wishes to multiplex RTP and RTCP onto a single port, it MUST include a media-level "a=rtcp-mux"
 * attribute in the answer." `rtcpMux` reports that attribute; whether muxing is in force depends on
 * both sides, which the caller knows.
 */
export function mediaAddress(sdp: SessionDescription, media: MediaDescription): MediaAddress {
  const connection = media.connection ?? sdp.connection;
  if (connection === undefined) {
    throw new ProtocolParseError(
      "sdp",
      `m=${media.media} ${media.port} has no c= line at media or session level`,
    );
  }
  const address = connection.address.split("/")[0]!;
  const rtcpMux = getAttribute(media.attributes, "rtcp-mux") !== undefined;
  const result: MediaAddress = { address, port: media.port, rtcpMux };
  if (media.port === 0) return result;

  const rtcp = getAttribute(media.attributes, "rtcp");
  if (rtcp !== undefined) {
    // RFC 3605 §2.1: rtcp-attribute = "a=rtcp:" port [nettype space addrtype space connection-address]
    const match = /^(\d{1,5})(?:\s|$)/.exec(rtcp.trim());
    if (match === null || Number(match[1]) > 65535) {
      throw new ProtocolParseError("sdp", `malformed a=rtcp:${rtcp.slice(0, 80)}`);
    }
    result.rtcpPort = Number(match[1]);
  } else if (media.port < 65535) {
    result.rtcpPort = media.port + 1;
  }
  return result;
}
