import { serializeMultipart } from "../../protocol/multipart";
import { serializeSdp, type SdpDirection, type SessionDescription } from "../../protocol/sdp";
import { serializeRecordingMetadata, type RecordingMetadata } from "../../protocol/siprec";

export interface FixtureStream {
  readonly label: string;
  readonly port: number;
  readonly payloadType: number;
  readonly encoding: string;
}

export const SESSION_ID = "hVpd7YQgRW2nD22h7q60JQ==";
export const ALICE = "srfBElmCRp2QB23b7Mpk0w==";
export const BOB = "zSfPoSvdSDCmU3A3TRDxAw==";

export function offerSdp(
  streams: readonly FixtureStream[],
  direction: SdpDirection,
  version = 1,
): SessionDescription {
  return {
    version: 0,
    origin: {
      username: "forkline-src",
      sessionId: "4242",
      sessionVersion: String(version),
      netType: "IN",
      addrType: "IP4",
      address: "127.0.0.1",
    },
    sessionName: "forkline recording",
    emails: [],
    phones: [],
    connection: { netType: "IN", addrType: "IP4", address: "127.0.0.1" },
    bandwidths: [],
    timings: [{ start: "0", stop: "0", repeats: [] }],
    attributes: [],
    media: streams.map((s) => ({
      media: "audio",
      port: s.port,
      protocol: "RTP/AVP",
      formats: [String(s.payloadType)],
      bandwidths: [],
      attributes: [
        { name: "rtpmap", value: `${s.payloadType} ${s.encoding}/8000` },
        { name: "label", value: s.label },
        { name: direction },
      ],
    })),
  };
}

/** Two participants: Alice sends the stream labelled streams[0], Bob the one labelled streams[1]. */
export function twoPartyMetadata(
  labels: readonly [string, string],
  recordingId = "rec-42",
): RecordingMetadata {
  const [a, b] = labels;
  return {
    dataMode: "complete",
    session: { id: SESSION_ID, callId: "call-abc@pbx", startTime: "2024-05-01T10:00:00Z" },
    participants: [
      {
        id: ALICE,
        aor: "sip:alice@example.com",
        name: "Alice",
        dn: "1001",
        agentId: "agent-7",
        role: "agent",
        send: ["stream-a"],
        receive: ["stream-b"],
      },
      {
        id: BOB,
        aor: "sip:bob@example.net",
        name: "Bob",
        role: "customer",
        send: ["stream-b"],
        receive: ["stream-a"],
      },
    ],
    streams: [
      { id: "stream-a", label: a, sessionId: SESSION_ID },
      { id: "stream-b", label: b, sessionId: SESSION_ID },
    ],
    extension: { recordingId, params: { case: "42", queue: "sales" } },
  };
}

export function siprecBody(
  sdp: SessionDescription,
  metadata: RecordingMetadata | undefined,
): { contentType: string; body: Buffer } {
  if (metadata === undefined) return { contentType: "application/sdp", body: Buffer.from(serializeSdp(sdp)) };
  return serializeMultipart([
    { contentType: "application/sdp", body: serializeSdp(sdp) },
    {
      contentType: "application/rs-metadata+xml",
      headers: [{ name: "Content-Disposition", value: "recording-session" }],
      body: serializeRecordingMetadata(metadata),
    },
  ]);
}
