/**
 * Typed model of the subset of MSML (RFC 5707, Media Server Markup Language) that the SIP Server
 * uses to drive the media engine: conferences, joins, recording dialogs and tone plays.
 */

import type { MediaEncryptionPolicy } from "./engine-contract";

/** MIME type of an MSML body (RFC 5707 registers `application/msml+xml`). */
export const MSML_CONTENT_TYPE = "application/msml+xml";

/** The only MSML version this codec reads and writes. */
export const MSML_VERSION = "1.1";

export type MsmlStream = { media: "audio" | "video"; dir?: "from-id1" | "to-id1" };

/**
 * What of a customer's key presses is kept out of the recorded copy (XML attribute `dtmfmask`,
 * a Forkline extension): RFC 4733 telephone-events, and in-band DTMF tones in G.711 audio. The
 * parties still hear and receive every key. Absent means "events+inband". Listed from the least
 * to the most masking: where two settings meet, the later one applies.
 */
export const DTMF_MASKING_MODES = ["off", "events", "events+inband"] as const;
export type DtmfMasking = (typeof DTMF_MASKING_MODES)[number];
export const DEFAULT_DTMF_MASKING: DtmfMasking = "events+inband";

/**
 * Whether the recording streams to the recorder are SRTP (XML attribute `encryption`, a Forkline
 * extension, values of the engine contract's MediaEncryptionPolicy): `off` (the default when
 * absent) offers RTP/AVP; `optional` offers RTP/SAVP with an SDES key per stream and accepts a
 * recorder that answers plain RTP; `required` offers the same and skips a recorder that answers
 * plain ("recorder refused SRTP").
 */
export type RecordingEncryption = MediaEncryptionPolicy;
export const DEFAULT_RECORDING_ENCRYPTION: RecordingEncryption = "off";

export type MsmlRecord = {
  /** one or more SIP/SIPS URIs, whitespace-separated in XML, tried in order (failover) */
  dest: string[];
  /** per-attempt timeout in ms; XML attribute `attempttimeout` like "3s" or "500ms" */
  attemptTimeoutMs?: number;
  /** recording session id, globally unique; XML attribute `recordingid` */
  recordingId?: string;
  /** XML attribute `dtmfmask`; see DtmfMasking */
  dtmfMasking?: DtmfMasking;
  /** XML attribute `encryption`; see RecordingEncryption */
  encryption?: RecordingEncryption;
  /** caller key-value pairs; XML children <param name="k">v</param> inside <record> */
  params: Record<string, string>;
  /**
   * Who speaks on which connection, for the SIPREC metadata (RFC 7865 participants): XML children
   * <participant conn="conn:…" aor="sip:…" name="…" dn="…" agentid="…" role="agent|customer"/>.
   * The media engine knows legs, not people: the SIP Server tells it.
   */
  participants?: MsmlRecordParticipant[];
};

export type MsmlRecordParticipant = {
  conn: string;
  aor: string;
  name?: string;
  dn?: string;
  agentId?: string;
  role?: "agent" | "customer";
};

/**
 * A synthesised tone (the media engine ships no audio files): `<audio uri="tone:1400;duration=500ms"/>`,
 * see msml-play.ts for the URI and its limits.
 */
export type MsmlTone = { frequencyHz: number; durationMs: number };

/**
 * `<play>` of one tone to the dialog's target connection (what that party hears), RFC 5707's
 * MSML Dialog Base package. `iterations` (XML attribute `iterate`) absent means once; `intervalMs` is the time from the start
 * of one iteration to the start of the next. `whileRecording` (XML attribute `whilerecording`, a
 * Forkline extension) ties the play to a recording dialog: it ends when that recording pauses,
 * stops or fails, so no repeat sounds while nothing is recorded.
 */
export type MsmlPlay = {
  tone: MsmlTone;
  iterations?: number | "forever";
  intervalMs?: number;
  whileRecording?: string;
};

export type MsmlDeleteWhen = "nomedia" | "nocontrol" | "never";

export type MsmlRequestItem =
  | { kind: "createconference"; name?: string; deletewhen?: MsmlDeleteWhen; mark?: string }
  | { kind: "destroyconference"; id: string; mark?: string }
  | { kind: "join"; id1: string; id2: string; streams: MsmlStream[]; mark?: string }
  | { kind: "unjoin"; id1: string; id2: string; streams: MsmlStream[]; mark?: string }
  | {
      kind: "dialogstart";
      target: string;
      name?: string;
      type?: string;
      /** exactly one of record and play */
      record?: MsmlRecord;
      play?: MsmlPlay;
      mark?: string;
    }
  | { kind: "dialogend"; id: string; mark?: string }
  | { kind: "send"; target: string; event: string; valuelist?: string; mark?: string };

export type MsmlRequest = { version: "1.1"; items: MsmlRequestItem[] };

export type MsmlResult = {
  version: "1.1";
  response: number;
  mark?: string;
  description?: string;
  confid?: string;
  dialogid?: string;
};

/** `<event name= id=><name>k</name><value>v</value>...</event>` */
export type MsmlEvent = {
  version: "1.1";
  name: string;
  id: string;
  fields: { name: string; value: string }[];
};

export type MsmlDocument =
  ({ type: "request" } & MsmlRequest) | ({ type: "result" } & MsmlResult) | ({ type: "event" } & MsmlEvent);

/**
 * A request that is well-formed MSML but that this media engine refuses (unsupported recording
 * destination, unsupported dialog language, …). `status` is the MSML response code to put in
 * the `<result response="…">` sent back. Syntax errors are `ProtocolParseError` instead.
 */
export class MsmlError extends Error {
  override readonly name = "MsmlError";

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    Object.setPrototypeOf(this, new.target.prototype);
  }
}
