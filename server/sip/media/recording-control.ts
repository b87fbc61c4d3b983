import {
  type DtmfMasking,
  type MsmlPlay,
  parseRecordingEventName,
  RecordingEventField,
  type MsmlEvent,
  type RecordingEventName,
} from "../../../protocol/msml";
import type { Call, CallParty } from "../calls/call";
import { MediaEngineError, type MediaEnginePool, type MediaLegHandle } from "./media-engine-pool";
import type { MediaEncryptionPolicy } from "../../../protocol/msml/engine-contract";

/** caller = the party who placed the call (T-Library "source" side), callee = the other. */
export type RecordedSide = "caller" | "callee";

/** A recording event the media engine reported (MSML <event> in INFO), with the call it concerns. */
export interface RecordingEngineEvent {
  readonly connId: string;
  /** See RECORDING_EVENTS in protocol/msml/engine-contract.ts. */
  readonly name: RecordingEventName;
  readonly dialogId: string;
  readonly recordingId: string;
  readonly recorder?: string;
  readonly reason?: string;
  /** When the engine acted (forwarding stopped or restarted), by its clock; absent from older engines. */
  readonly at?: Date;
  readonly segment?: number;
  /** RTP packets sent to recorders, and acknowledged by them in RTCP receiver reports. */
  readonly sent?: number;
  readonly acked?: number;
}

export interface RecordingStartRequest {
  /** MSML dialog name. */
  name: string;
  recordingId: string;
  /** Recorders in failover order. */
  dest: string[];
  params: Record<string, string>;
  agentId?: string;
  /** What of the parties' key presses the media engine keeps out of the recording. */
  dtmfMasking?: DtmfMasking;
  /** SRTP on the recording streams (the strictest setting of the `dest` recorders). */
  encryption?: MediaEncryptionPolicy;
}

/**
 * Starts a SIPREC recording of one side of an established call: the media engine replicates
 * that leg's streams (the party's voice and what it hears) to the first recorder of `dest` that
 * answers (RFC 5707 §9.5 `<record>` inside `<dialogstart>`). Participants are named for the RFC
 * 7865 metadata, since the engine knows legs, not people. Returns the MSML dialog id.
 */
export async function startRecordingOnEngine(
  media: MediaEnginePool,
  call: Call,
  side: RecordedSide,
  request: RecordingStartRequest,
): Promise<string> {
  const target = side === "caller" ? call.caller : call.callee!;
  const other = side === "caller" ? call.callee! : call.caller;
  const participant = (leg: { party: CallParty; media?: MediaLegHandle }, agentId?: string) => ({
    conn: leg.media!.connId,
    aor:
      leg.party.kind === "trunk"
        ? `sip:${leg.party.number || "anonymous"}@${leg.party.dn}`
        : `sip:${leg.party.dn}@forkline`,
    ...(leg.party.kind === "extension"
      ? { dn: leg.party.dn, role: "agent" as const }
      : { role: "customer" as const }),
    ...(agentId === undefined ? {} : { agentId }),
  });
  const result = await media.msml(target.media!, [
    {
      kind: "dialogstart",
      target: target.media!.connId,
      name: request.name,
      type: "application/moml+xml",
      record: {
        dest: request.dest,
        recordingId: request.recordingId,
        params: request.params,
        ...(request.dtmfMasking === undefined ? {} : { dtmfMasking: request.dtmfMasking }),
        ...(request.encryption === undefined ? {} : { encryption: request.encryption }),
        participants: [participant(target, request.agentId), participant(other)],
      },
    },
  ]);
  if (result.response !== 200 || result.dialogid === undefined) {
    throw new MediaEngineError(
      `the media engine refused the recording: ${result.response} ${result.description ?? ""}`.trim(),
      500,
    );
  }
  return result.dialogid;
}

/** Pause and resume as `<send event="…">` to the recording dialog, stop as `<dialogend>`. */
export async function controlRecordingOnEngine(
  media: MediaEnginePool,
  leg: MediaLegHandle,
  dialogId: string,
  action: "pause" | "resume" | "stop",
): Promise<void> {
  const result = await media.msml(
    leg,
    action === "stop"
      ? [{ kind: "dialogend", id: dialogId }]
      : [{ kind: "send", target: dialogId, event: action }],
  );
  if (result.response !== 200) {
    throw new MediaEngineError(
      `the media engine refused ${action}: ${result.response} ${result.description ?? ""}`.trim(),
      500,
    );
  }
}

/**
 * Plays the recording notification tone to the parties of `sides` (MSML `<dialogstart>` with a
 * `<play>` per leg, protocol/msml/msml-play.ts), in one INFO on the `via` side's leg: the engine
 * starts every play or none. The tone is put into what each of those parties hears.
 */
export async function playToneOnEngine(
  media: MediaEnginePool,
  call: Call,
  via: RecordedSide,
  sides: readonly RecordedSide[],
  play: MsmlPlay,
): Promise<void> {
  const legOf = (side: RecordedSide) => (side === "caller" ? call.caller.media : call.callee?.media);
  const carrier = legOf(via);
  const targets = sides.map(legOf).filter((leg) => leg !== undefined && !leg.closed);
  if (carrier === undefined || carrier.closed || targets.length === 0) return;
  const result = await media.msml(
    carrier,
    targets.map((leg) => ({
      kind: "dialogstart" as const,
      target: leg!.connId,
      type: "application/moml+xml",
      play,
    })),
  );
  if (result.response !== 200) {
    throw new MediaEngineError(
      `the media engine refused the recording tone: ${result.response} ${result.description ?? ""}`.trim(),
      500,
    );
  }
}

/** A `forkline.recording.*` MSML event of the call `connId`, or undefined for any other event. */
export function decodeRecordingEvent(connId: string, event: MsmlEvent): RecordingEngineEvent | undefined {
  const name = parseRecordingEventName(event.name);
  if (name === undefined) return undefined;
  const field = (key: string) => event.fields.find((f) => f.name === key)?.value;
  const number = (key: string) => {
    const text = field(key);
    const value = Number(text);
    return text === undefined || !Number.isSafeInteger(value) || value < 0 ? undefined : value;
  };
  const recorder = field(RecordingEventField.recorder);
  const reason = field(RecordingEventField.reason);
  const atText = field(RecordingEventField.at);
  const at = atText === undefined ? undefined : new Date(atText);
  const segment = number(RecordingEventField.segment);
  const sent = number(RecordingEventField.sent);
  const acked = number(RecordingEventField.acked);
  return {
    connId,
    name,
    dialogId: event.id,
    recordingId: field(RecordingEventField.recordingId) ?? "",
    ...(recorder === undefined ? {} : { recorder }),
    ...(reason === undefined ? {} : { reason }),
    ...(at === undefined || Number.isNaN(at.getTime()) ? {} : { at }),
    ...(segment === undefined ? {} : { segment }),
    ...(sent === undefined ? {} : { sent }),
    ...(acked === undefined ? {} : { acked }),
  };
}
