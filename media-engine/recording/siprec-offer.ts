import type { MsmlRecordParticipant } from "../../protocol/msml";
import { serializeMultipart } from "../../protocol/multipart";
import {
  cryptoAttribute,
  serializeSdp,
  type SdpCrypto,
  type SdpDirection,
  type SessionDescription,
} from "../../protocol/sdp";
import {
  RS_METADATA_CONTENT_TYPE,
  serializeRecordingMetadata,
  type RecordingMetadata,
} from "../../protocol/siprec";

/** One recorded stream: what one party says, sent to the recorder on its own m-line. */
export interface RecordedStreamInfo {
  /** RFC 4574 a=label, matched by the metadata's <stream><label>. */
  readonly label: string;
  readonly streamId: string;
  readonly participantId: string;
  readonly localPort: number;
  readonly payloadType: number;
  readonly encoding: string;
  readonly participant: MsmlRecordParticipant;
}

/**
 * RFC 7866 §8.1.1: the SRC offers one m-line per recorded stream, each labelled (a=label) so the
 * metadata can say whose voice it carries; the SRC only sends (sendonly), or nothing while
 * paused (inactive). A stream with a crypto line is offered as RTP/SAVP (RFC 3711 §12, keys by
 * SDES, RFC 4568 §5.1): the recorder answers with its own key for the RTCP it sends back.
 * RTCP multiplexing is offered on every stream (RFC 5761).
 */
export function recordingSdp(options: {
  address: string;
  sessionId: string;
  version: number;
  streams: readonly RecordedStreamInfo[];
  direction: SdpDirection;
  /** Per stream: our SDES offer, or undefined for plain RTP. */
  crypto?: readonly (SdpCrypto | undefined)[];
}): SessionDescription {
  const addrType = options.address.includes(":") ? "IP6" : "IP4";
  return {
    version: 0,
    origin: {
      username: "forkline-src",
      sessionId: options.sessionId,
      sessionVersion: String(options.version),
      netType: "IN",
      addrType,
      address: options.address,
    },
    sessionName: "forkline recording",
    emails: [],
    phones: [],
    connection: { netType: "IN", addrType, address: options.address },
    bandwidths: [],
    timings: [{ start: "0", stop: "0", repeats: [] }],
    attributes: [],
    media: options.streams.map((stream, index) => {
      const crypto = options.crypto?.[index];
      return {
        media: "audio",
        port: stream.localPort,
        protocol: crypto === undefined ? "RTP/AVP" : "RTP/SAVP",
        formats: [String(stream.payloadType)],
        bandwidths: [],
        attributes: [
          { name: "rtpmap", value: `${stream.payloadType} ${stream.encoding}/8000` },
          { name: "label", value: stream.label },
          // RFC 5761 §5.1.1: "offer ... a=rtcp-mux": a recorder that accepts takes RTCP on the RTP
          // port and the stream holds one port instead of two.
          { name: "rtcp-mux" },
          ...(crypto === undefined ? [] : [cryptoAttribute(crypto)]),
          { name: options.direction },
        ],
      };
    }),
  };
}

export function recordingMetadata(options: {
  sessionId: string;
  callId?: string;
  streams: readonly RecordedStreamInfo[];
  recordingId: string;
  params: Record<string, string>;
  startTime: string;
}): RecordingMetadata {
  return {
    dataMode: "complete",
    session: {
      id: options.sessionId,
      startTime: options.startTime,
      ...(options.callId === undefined ? {} : { callId: options.callId }),
    },
    participants: options.streams.map((stream) => ({
      id: stream.participantId,
      aor: stream.participant.aor,
      ...(stream.participant.name === undefined ? {} : { name: stream.participant.name }),
      ...(stream.participant.dn === undefined ? {} : { dn: stream.participant.dn }),
      ...(stream.participant.agentId === undefined ? {} : { agentId: stream.participant.agentId }),
      ...(stream.participant.role === undefined ? {} : { role: stream.participant.role }),
      send: [stream.streamId],
      receive: options.streams.filter((other) => other !== stream).map((other) => other.streamId),
    })),
    streams: options.streams.map((stream) => ({
      id: stream.streamId,
      label: stream.label,
      sessionId: options.sessionId,
    })),
    extension: { recordingId: options.recordingId, params: options.params },
  };
}

/** RFC 7866 §8.1: "multipart/mixed" with the SDP offer and the rs-metadata part. */
export function siprecBody(
  sdp: SessionDescription,
  metadata: RecordingMetadata,
): { contentType: string; body: Buffer } {
  return serializeMultipart([
    { contentType: "application/sdp", body: serializeSdp(sdp) },
    {
      contentType: RS_METADATA_CONTENT_TYPE,
      headers: [{ name: "Content-Disposition", value: "recording-session" }],
      body: serializeRecordingMetadata(metadata),
    },
  ]);
}
