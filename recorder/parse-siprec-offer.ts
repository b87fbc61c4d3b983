import { parseContentType, parseMultipart } from "../protocol/multipart";
import { ProtocolParseError } from "../protocol/protocol-parse-error";
import {
  getAttribute,
  mediaDirection,
  parseSdp,
  rtpMaps,
  type SdpDirection,
  type SessionDescription,
} from "../protocol/sdp";
import type { SipRequest } from "../protocol/sip";
import {
  isSiprecInvite,
  parseRecordingMetadata,
  SIPREC_OPTION_TAG,
  type RecordingMetadata,
} from "../protocol/siprec";
import { SipError } from "../sip-core";

export type RecordedCodec = "PCMU" | "PCMA";

/** One offered m-line as the recorder sees it. */
export interface OfferedStream {
  /** Position of the m-line in the SDP (RFC 3264 §6 matches answer to offer by position). */
  readonly index: number;
  /** RFC 4574 a=label, which the metadata's <stream><label> names. */
  readonly label: string | undefined;
  readonly direction: SdpDirection;
  /** The G.711 payload types of the m-line; empty when it carries nothing we can record. */
  readonly payloadTypes: ReadonlyMap<number, RecordedCodec>;
}

export interface SiprecOffer {
  readonly sdp: SessionDescription;
  readonly streams: readonly OfferedStream[];
  /** Absent only in a re-INVITE or UPDATE that carries just SDP. */
  readonly metadata: RecordingMetadata | undefined;
  readonly metadataXml: string | undefined;
}

/** Option tags this recorder understands in Require. */
export const SUPPORTED_OPTION_TAGS: readonly string[] = [SIPREC_OPTION_TAG];

const ACCEPTED_BODIES = "application/sdp, application/rs-metadata+xml, multipart/mixed";

function optionTags(request: SipRequest, name: string): string[] {
  return request.headers
    .getAll(name)
    .flatMap((value) => value.split(","))
    .map((tag) => tag.trim())
    .filter((tag) => tag !== "");
}

function mediaType(contentType: string): string {
  const parsed = parseContentType(contentType);
  return `${parsed.type}/${parsed.subtype}`;
}

/** RFC 7866 example INVITEs label the metadata part application/rs-metadata; RFC 7865 registers the +xml form. */
function isMetadataType(type: string): boolean {
  return type === "application/rs-metadata+xml" || type === "application/rs-metadata";
}

function badRequest(what: string, error: unknown): SipError {
  const detail = error instanceof ProtocolParseError ? error.message : String(error);
  return new SipError(400, `${what}: ${detail}`.replace(/[\r\n]+/g, " ").slice(0, 200));
}

/**
 * The offered streams. Every m-line that is to be recorded needs its a=label: the metadata says
 * whose voice a stream carries only by naming that label (RFC 7866 §8.1.1, paraphrased: the SRC
 * labels each media stream so the metadata can refer to it).
 */
export function offeredStreams(sdp: SessionDescription): OfferedStream[] {
  const labels = new Set<string>();
  return sdp.media.map((media, index) => {
    const label = getAttribute(media.attributes, "label")?.trim();
    const payloadTypes = new Map<number, RecordedCodec>();
    if (media.media === "audio" && media.port !== 0) {
      for (const map of rtpMaps(media)) {
        const encoding = map.encoding.toUpperCase();
        if (
          (encoding === "PCMU" || encoding === "PCMA") &&
          map.clockRate === 8000 &&
          (map.channels ?? 1) === 1
        )
          payloadTypes.set(map.payloadType, encoding);
      }
    }
    if (media.port !== 0) {
      if (label === undefined || label === "")
        throw new SipError(400, `m-line ${index + 1} (${media.media}) has no a=label`);
      if (labels.has(label)) throw new SipError(400, `a=label:${label} appears on more than one m-line`);
      labels.add(label);
    }
    return {
      index,
      label: label === "" ? undefined : label,
      direction: mediaDirection(sdp, media),
      payloadTypes,
    };
  });
}

/**
 * The SDP and metadata of a SIPREC body: multipart/mixed with an application/sdp part and an
 * rs-metadata part, or (in a re-INVITE or UPDATE) a bare application/sdp body. `requireMetadata`
 * is set for the INVITE that creates the recording session.
 */
export function parseSiprecBody(
  body: Buffer,
  contentType: string | undefined,
  requireMetadata: boolean,
): SiprecOffer {
  if (body.length === 0 || contentType === undefined)
    throw new SipError(400, "The request carries no SDP offer");
  let type: string;
  try {
    type = mediaType(contentType);
  } catch (error) {
    throw badRequest("Malformed Content-Type", error);
  }
  let sdpBody: Buffer | undefined;
  let metadataBody: Buffer | undefined;
  if (type === "application/sdp") {
    sdpBody = body;
  } else if (type.startsWith("multipart/")) {
    let parts;
    try {
      parts = parseMultipart(body, contentType);
    } catch (error) {
      throw badRequest("Malformed multipart body", error);
    }
    for (const part of parts) {
      let partType: string;
      try {
        partType = mediaType(part.contentType);
      } catch (error) {
        throw badRequest("Malformed body part Content-Type", error);
      }
      if (partType === "application/sdp") {
        if (sdpBody !== undefined) throw new SipError(400, "The body has more than one application/sdp part");
        sdpBody = part.body;
      } else if (isMetadataType(partType)) {
        if (metadataBody !== undefined)
          throw new SipError(400, "The body has more than one rs-metadata part");
        metadataBody = part.body;
      }
    }
  } else {
    throw new SipError(415, `Unsupported body type ${type}`, { Accept: ACCEPTED_BODIES });
  }
  if (sdpBody === undefined) throw new SipError(400, "The multipart body has no application/sdp part");
  if (metadataBody === undefined && requireMetadata)
    throw new SipError(400, "The multipart body has no application/rs-metadata+xml part");

  let sdp: SessionDescription;
  try {
    sdp = parseSdp(sdpBody);
  } catch (error) {
    throw badRequest("Malformed SDP", error);
  }
  const streams = offeredStreams(sdp);
  if (metadataBody === undefined) return { sdp, streams, metadata: undefined, metadataXml: undefined };
  const metadataXml = metadataBody.toString("utf8");
  let metadata: RecordingMetadata;
  try {
    metadata = parseRecordingMetadata(metadataBody);
  } catch (error) {
    throw badRequest("Malformed recording metadata", error);
  }
  return { sdp, streams, metadata, metadataXml };
}

/**
 * Checks the INVITE that would create a recording session and returns its offer, or throws the
 * SipError to refuse it with.
 *
 * RFC 7866 §6.1.1 and §6.2 (paraphrased; the text was not at hand): an SRC marks a recording
 * session with the "siprec" option tag in Require and the "+sip.src" feature tag on its Contact,
 * and the SRS treats an INVITE as a recording session only when both are present. This recorder
 * is nothing but an SRS, so anything else is refused with 403 and a reason naming what is missing.
 *
 * RFC 3261 §8.2.2.3 (paraphrased): a UAS that does not understand an option tag in Require
 * answers 420 (Bad Extension) and lists the tags it does not understand in Unsupported.
 */
export function parseSiprecInvite(request: SipRequest): SiprecOffer {
  const require = optionTags(request, "Require");
  const unsupported = require.filter((tag) => !SUPPORTED_OPTION_TAGS.includes(tag.toLowerCase()));
  if (unsupported.length > 0)
    throw new SipError(420, "Bad Extension", { Unsupported: unsupported.join(", ") });
  const check = isSiprecInvite({
    require,
    contact: request.headers.get("Contact"),
    contentType: request.headers.get("Content-Type"),
  });
  if (!check.ok) {
    if (/^(Require|no Contact|Contact)/.test(check.reason))
      throw new SipError(403, `Not a SIPREC session: ${check.reason}`);
    if (/^no Content-Type|not multipart/.test(check.reason))
      throw new SipError(415, `Not a SIPREC session: ${check.reason}`, { Accept: ACCEPTED_BODIES });
    throw new SipError(400, check.reason);
  }
  return parseSiprecBody(request.body, request.headers.get("Content-Type"), true);
}
