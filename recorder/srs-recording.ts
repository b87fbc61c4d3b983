import fs from "node:fs";
import path from "node:path";
import { decodePcma, decodePcmu, isRtpPacket, parseRtpHeader } from "../protocol/rtp";
import type { RecordingMetadata } from "../protocol/siprec";
import { ChannelTimeline } from "./channel-timeline";
import { mergeMetadata } from "./merge-metadata";
import type { OfferedStream, RecordedCodec, SiprecOffer } from "./parse-siprec-offer";
import { segmentSuffix, uniqueRecordingName } from "./recording-file-name";
import { writeJsonFile } from "./recording-sidecar";
import { type ClockReading, RtpStreamClock } from "./rtp-stream-clock";
import { WavFileWriter } from "./wav-writer";

export const SAMPLE_RATE = 8000;
const FRAMES_PER_MS = SAMPLE_RATE / 1000;
/** How long placed audio waits for late packets before it is written. */
const DEFAULT_JITTER_MS = 300;
/** See RtpStreamClock: how late a stream may run to stay continuous. */
const MAX_LEAD_MS = 100;
/** The largest G.711 payload accepted: one second of audio. Anything larger is not a sane packet. */
const MAX_PAYLOAD_BYTES = SAMPLE_RATE;
const DUPLICATE_WINDOW = 64;

export type EndReason = "bye" | "rtp-timeout" | "ack-timeout" | "shutdown" | "cancel";

export interface RecordingParticipantSummary {
  participantId: string;
  aor: string;
  name?: string;
  dn?: string;
  agentId?: string;
  role?: string;
  /** Zero-based WAV channel carrying what this participant says; null when it has none. */
  channel: number | null;
  /** Labels of the streams this participant sends. */
  sends: string[];
}

export interface RecordingStreamSummary {
  label: string;
  streamId: string | null;
  /** The G.711 variant(s) received, in the order first seen; the answered one if none came. */
  codec: string;
  channel: number | null;
  packets: number;
  /**
   * Audio received but not written: it arrived faster than real time and would have overlapped
   * audio already placed, or too late for the part of the WAV already written.
   */
  droppedMs: number;
}

/** What the JSON sidecar holds, live or final. */
interface RecordingDescription {
  /** Forkline's recording id (metadata extension `fl:recordingid`); segments of one recording share it. */
  recordingId: string | null;
  /** RFC 7865 `<session session_id>` of the metadata; segments of one recording share it too. */
  sessionId: string | null;
  /**
   * Which recording session of the recording this is (metadata extension `fl:segment`), 1 when
   * the metadata does not say: an SRC continues a recording after a recorder failure in a new
   * SIPREC session with the next segment (RFC 7866 §5 allows several per communication session).
   */
  segment: number;
  callId: string | null;
  sipCallId: string;
  startedAt: string;
  wavFile: string;
  sampleRate: number;
  channels: number;
  streams: RecordingStreamSummary[];
  participants: RecordingParticipantSummary[];
  params: Record<string, string>;
  pauses: { startMs: number; endMs: number }[];
  /** The metadata document of the INVITE, verbatim. */
  metadata: string | null;
  /** Metadata documents of later re-INVITEs and UPDATEs, verbatim, in arrival order. */
  metadataUpdates: string[];
}

/** The sidecar of a recording that ended through one of the recorder's own exits. */
export interface RecordingSummary extends RecordingDescription {
  state: "finished";
  endedAt: string;
  durationMs: number;
  endReason: EndReason;
}

/**
 * The sidecar written when a recording starts and whenever its metadata or direction changes:
 * what a crash leaves behind, and what the recorder finalizes at its next start.
 */
export interface LiveRecordingSidecar extends Omit<RecordingDescription, "pauses"> {
  state: "recording";
  endedAt: null;
  /** Recorded so far, when the sidecar was written. */
  durationMs: number;
  endReason: null;
  /** A pause still open has `endMs: null`. */
  pauses: { startMs: number; endMs: number | null }[];
}

export interface RecordingSessionOptions {
  readonly dir: string;
  readonly sipCallId: string;
  readonly offer: SiprecOffer;
  /** Wall clock in milliseconds (Date.now by default); tests pass their own. */
  readonly now?: () => number;
  readonly jitterMs?: number;
  /**
   * Where a failed rewrite of the live sidecar goes (a metadata change must not fail the SRC's
   * re-INVITE for it); thrown when absent.
   */
  readonly onSidecarError?: (error: unknown) => void;
}

interface StreamState {
  readonly index: number;
  readonly label: string | undefined;
  payloadTypes: ReadonlyMap<number, RecordedCodec>;
  active: boolean;
  channel: number | undefined;
  readonly clock: RtpStreamClock;
  packets: number;
  droppedFrames: number;
  readonly codecs: Set<RecordedCodec>;
  ssrc: number | undefined;
  readonly recentSeq: number[];
  /**
   * The stream's packets in arrival order with the frame their audio ends on once placed
   * (+Infinity before; 0 for one with no audio to write): popped as the WAV is written.
   */
  readonly written: { readonly at: number; end: number }[];
  /** Arrival time of the last packet whose audio is in the file. */
  storedThrough: number;
}

/**
 * One recording as the lab recorder (the SRS, RFC 7866) keeps it — named apart from the media
 * engine's SrcRecording and the database's RecordingSession, which are other views of it: its WAV (one channel per participant of the INVITE's metadata, plus
 * one per stream no participant is named as sending), the metadata as it evolves, pauses, and
 * the JSON summary written when it ends.
 *
 * The channel layout is fixed when the WAV is created; a participant first described by a later
 * metadata update is listed in the JSON with `channel: null`, and its streams go to no channel.
 */
export class SrsRecording {
  readonly name: string;
  readonly wavFile: string;
  readonly jsonFile: string;
  readonly sipCallId: string;
  readonly startedAtMs: number;
  readonly segment: number;
  private readonly onSidecarError: ((error: unknown) => void) | undefined;
  private readonly now: () => number;
  private readonly jitterFrames: number;
  private readonly writer: WavFileWriter;
  private readonly timeline: ChannelTimeline;
  private readonly streams: StreamState[] = [];
  private readonly participantChannels = new Map<string, number>();
  private readonly labelChannels = new Map<string, number>();
  private metadata: RecordingMetadata;
  private readonly metadataXml: string | null;
  private readonly metadataUpdates: string[] = [];
  private readonly pauses: { startMs: number; endMs: number | undefined }[] = [];
  private lastActivity: number;
  private summary: RecordingSummary | undefined;
  /** Received but not yet placed: see RtpStreamClock for why placing waits for the burst. */
  private unplaced: {
    stream: StreamState;
    channel: number;
    reading: ClockReading;
    samples: Int16Array;
    entry: { end: number };
  }[] = [];

  constructor(options: RecordingSessionOptions) {
    const metadata = options.offer.metadata;
    if (metadata === undefined) throw new Error("a recording session starts with metadata");
    this.now = options.now ?? Date.now;
    this.jitterFrames = (options.jitterMs ?? DEFAULT_JITTER_MS) * FRAMES_PER_MS;
    this.sipCallId = options.sipCallId;
    this.metadata = metadata;
    this.metadataXml = options.offer.metadataXml ?? null;
    this.startedAtMs = this.now();
    this.lastActivity = this.startedAtMs;
    this.segment = metadata.extension.segment ?? 1;
    this.onSidecarError = options.onSidecarError;

    metadata.participants.forEach((p, channel) => this.participantChannels.set(p.id, channel));
    let channels = metadata.participants.length;
    for (const offered of options.offer.streams) {
      if (offered.label === undefined || offered.payloadTypes.size === 0) continue;
      if (this.senderChannel(offered.label) === undefined) this.labelChannels.set(offered.label, channels++);
    }
    // A WAV needs at least one channel even for a session that records nothing yet.
    channels = Math.max(1, channels);

    fs.mkdirSync(options.dir, { recursive: true });
    this.name = uniqueRecordingName(
      options.dir,
      [metadata.extension.recordingId, metadata.session.id, options.sipCallId],
      segmentSuffix(this.segment),
    );
    this.wavFile = path.join(options.dir, `${this.name}.wav`);
    this.jsonFile = path.join(options.dir, `${this.name}.json`);
    this.timeline = new ChannelTimeline({
      channels,
      sink: (frames) => this.writer.writeFrames(frames),
      maxAheadFrames: 30 * SAMPLE_RATE,
    });
    this.applyStreams(options.offer.streams);
    this.updatePause();
    // The sidecar comes first: whatever WAV exists then has a JSON that says what it is, even if
    // the process dies the next instant. The WAV's own header is kept true as it grows.
    writeJsonFile(this.jsonFile, this.liveSidecar());
    try {
      this.writer = WavFileWriter.create(this.wavFile, { channels, sampleRate: SAMPLE_RATE });
    } catch (error) {
      fs.rmSync(this.jsonFile, { force: true });
      throw error;
    }
  }

  get channels(): number {
    return this.timeline.channels;
  }

  get ended(): boolean {
    return this.summary !== undefined;
  }

  /** Every accepted stream is inactive: the SRC paused the recording (RFC 3264 a=inactive). */
  get paused(): boolean {
    const accepted = this.streams.filter((s) => s.payloadTypes.size > 0);
    return accepted.length > 0 && accepted.every((s) => !s.active);
  }

  /** When RTP or a request of this session last arrived (wall clock ms). */
  get lastActivityMs(): number {
    return this.lastActivity;
  }

  /** Indexes of the m-lines worth a port: G.711 audio with a label. */
  recordableIndexes(): number[] {
    return this.streams.filter((s) => s.payloadTypes.size > 0 && s.label !== undefined).map((s) => s.index);
  }

  touch(): void {
    this.lastActivity = this.now();
  }

  /**
   * A new offer in the dialog (re-INVITE or UPDATE): directions, streams added at the end (RFC
   * 3264 §8 keeps m-lines in place), and possibly new metadata.
   */
  applyOffer(offer: SiprecOffer): void {
    if (this.summary !== undefined) return;
    this.touch();
    if (offer.metadata !== undefined) {
      this.metadata = mergeMetadata(this.metadata, offer.metadata);
      if (offer.metadataXml !== undefined) this.metadataUpdates.push(offer.metadataXml);
    }
    this.applyStreams(offer.streams);
    for (const stream of this.streams) stream.channel = this.channelFor(stream.label);
    this.updatePause();
    try {
      writeJsonFile(this.jsonFile, this.liveSidecar());
    } catch (error) {
      if (this.onSidecarError === undefined) throw error;
      this.onSidecarError(error);
    }
  }

  /** One datagram that arrived on the port of m-line `index`. Anything but G.711 RTP is ignored. */
  receiveRtp(index: number, datagram: Buffer): void {
    const stream = this.streams[index];
    if (stream === undefined || this.summary !== undefined || !isRtpPacket(datagram)) return;
    let header;
    try {
      header = parseRtpHeader(datagram);
    } catch {
      return;
    }
    this.lastActivity = this.now();
    // Until placed, its audio is not written; a packet dropped below has nothing to write.
    const entry = { at: this.lastActivity, end: 0 };
    stream.written.push(entry);
    // RFC 3550 §5.1: "A receiver MUST ignore packets with payload types that it does not
    // understand." Comfort noise and telephone-event land here too: they become silence.
    const codec = stream.payloadTypes.get(header.payloadType);
    if (codec === undefined || !stream.active || stream.channel === undefined) return;
    if (header.payloadLength === 0 || header.payloadLength > MAX_PAYLOAD_BYTES) return;
    if (this.isDuplicate(stream, header.ssrc, header.sequenceNumber)) return;
    entry.end = Number.POSITIVE_INFINITY;
    stream.packets++;
    stream.codecs.add(codec);
    const payload = datagram.subarray(header.payloadOffset, header.payloadOffset + header.payloadLength);
    const samples = new Int16Array(payload.length);
    if (codec === "PCMU") decodePcmu(payload, samples);
    else decodePcma(payload, samples);
    const arrival = (this.lastActivity - this.startedAtMs) * FRAMES_PER_MS;
    const reading = stream.clock.observe(arrival, header.timestamp, header.ssrc);
    // Placed once the datagrams that arrived together have all been read: setImmediate runs after
    // Node's poll phase has read every ready one (tick and finalize place what is left).
    if (this.unplaced.length === 0) setImmediate(() => this.placeReceived());
    this.unplaced.push({ stream, channel: stream.channel, reading, samples, entry });
  }

  /** Writes what is older than the jitter window. Called periodically. */
  tick(): void {
    if (this.summary !== undefined) return;
    this.placeReceived();
    const flushed = this.elapsedFrames() - this.jitterFrames;
    this.timeline.flushTo(flushed);
    for (const stream of this.streams) {
      const written = stream?.written;
      while (written !== undefined && written.length > 0 && written[0]!.end <= flushed)
        stream!.storedThrough = written.shift()!.at;
    }
  }

  /**
   * Every packet of stream `index` that arrived until this time (on `now`'s clock) is in the WAV
   * (or was no audio to write): what the recorder acknowledges to the SRC (StreamReceiver
   * "stored"). Exact per packet: a packet counts once the frames it was placed on are written.
   * After the end, everything is.
   */
  storedThroughAt(index: number): number {
    if (this.summary !== undefined) return Number.POSITIVE_INFINITY;
    return this.streams[index]?.storedThrough ?? Number.NEGATIVE_INFINITY;
  }

  private placeReceived(): void {
    const received = this.unplaced;
    this.unplaced = [];
    for (const { stream, channel, reading, samples, entry } of received) {
      const { position, skip } = stream.clock.position(reading, samples.length);
      const kept = skip === 0 ? samples : samples.subarray(skip);
      entry.end = position + samples.length;
      stream.droppedFrames += skip + kept.length - this.timeline.write(channel, position, kept);
    }
  }

  /** Writes the rest of the WAV, fixes its header and writes the JSON. Idempotent. */
  finalize(reason: EndReason): RecordingSummary {
    if (this.summary !== undefined) return this.summary;
    const endedAtMs = Math.max(this.now(), this.startedAtMs);
    const durationMs = endedAtMs - this.startedAtMs;
    for (const pause of this.pauses) pause.endMs ??= durationMs;
    this.placeReceived();
    try {
      this.timeline.flushTo(Math.max(durationMs * FRAMES_PER_MS, this.timeline.endFrame));
    } finally {
      this.writer.close();
    }
    const summary: RecordingSummary = {
      state: "finished",
      ...this.describe(),
      endedAt: new Date(endedAtMs).toISOString(),
      durationMs,
      endReason: reason,
      pauses: this.pauses.map((p) => ({ startMs: p.startMs, endMs: p.endMs ?? durationMs })),
    };
    this.summary = summary;
    writeJsonFile(this.jsonFile, summary);
    return summary;
  }

  private elapsedFrames(): number {
    return Math.floor((this.now() - this.startedAtMs) * FRAMES_PER_MS);
  }

  private applyStreams(offered: readonly OfferedStream[]): void {
    for (const o of offered) {
      let stream = this.streams[o.index];
      if (stream === undefined) {
        stream = {
          index: o.index,
          label: o.label,
          payloadTypes: o.payloadTypes,
          active: false,
          channel: this.channelFor(o.label),
          clock: new RtpStreamClock({
            maxAheadFrames: SAMPLE_RATE,
            maxBehindFrames: 2 * SAMPLE_RATE,
            maxLeadFrames: MAX_LEAD_MS * FRAMES_PER_MS,
          }),
          packets: 0,
          droppedFrames: 0,
          codecs: new Set(),
          ssrc: undefined,
          recentSeq: [],
          written: [],
          storedThrough: Number.NEGATIVE_INFINITY,
        };
        this.streams[o.index] = stream;
      } else if (stream.payloadTypes.size > 0 && o.payloadTypes.size > 0) {
        // The answer keeps the formats it gave (only G.711 is ever accepted).
        stream.payloadTypes = o.payloadTypes;
      }
      const active = o.direction === "sendonly" || o.direction === "sendrecv";
      // After a pause an SRC may continue its timestamps as if no time had passed, so the
      // resumed audio is placed by its arrival, not by where the old timestamps would put it.
      if (active !== stream.active) stream.clock.reset();
      stream.active = active && stream.payloadTypes.size > 0;
    }
  }

  private updatePause(): void {
    const elapsedMs = this.now() - this.startedAtMs;
    const open = this.pauses[this.pauses.length - 1];
    const pauseOpen = open !== undefined && open.endMs === undefined;
    if (this.paused && !pauseOpen) this.pauses.push({ startMs: elapsedMs, endMs: undefined });
    if (!this.paused && pauseOpen) open.endMs = elapsedMs;
  }

  /** The channel of the participant the metadata names as sending the stream labelled `label`. */
  private senderChannel(label: string): number | undefined {
    const streamIds = this.metadata.streams.filter((s) => s.label === label).map((s) => s.id);
    for (const participant of this.metadata.participants) {
      if (!participant.send.some((id) => streamIds.includes(id))) continue;
      const channel = this.participantChannels.get(participant.id);
      if (channel !== undefined) return channel;
    }
    return undefined;
  }

  private channelFor(label: string | undefined): number | undefined {
    if (label === undefined) return undefined;
    return this.senderChannel(label) ?? this.labelChannels.get(label);
  }

  private isDuplicate(stream: StreamState, ssrc: number, seq: number): boolean {
    if (stream.ssrc !== ssrc) {
      stream.ssrc = ssrc;
      stream.recentSeq.length = 0;
    }
    if (stream.recentSeq.includes(seq)) return true;
    stream.recentSeq.push(seq);
    if (stream.recentSeq.length > DUPLICATE_WINDOW) stream.recentSeq.shift();
    return false;
  }

  private liveSidecar(): LiveRecordingSidecar {
    return {
      state: "recording",
      ...this.describe(),
      endedAt: null,
      durationMs: Math.max(0, this.now() - this.startedAtMs),
      endReason: null,
      pauses: this.pauses.map((p) => ({ startMs: p.startMs, endMs: p.endMs ?? null })),
    };
  }

  private describe(): Omit<RecordingDescription, "pauses"> {
    const m = this.metadata;
    const labelOf = (streamId: string) => m.streams.find((s) => s.id === streamId)?.label ?? streamId;
    return {
      recordingId: m.extension.recordingId ?? null,
      sessionId: m.session.id === "" ? null : m.session.id,
      segment: this.segment,
      callId: m.session.callId ?? null,
      sipCallId: this.sipCallId,
      startedAt: new Date(this.startedAtMs).toISOString(),
      wavFile: path.basename(this.wavFile),
      sampleRate: SAMPLE_RATE,
      channels: this.timeline.channels,
      streams: this.streams
        .filter((s) => s.label !== undefined && s.payloadTypes.size > 0)
        .map((s) => ({
          label: s.label ?? "",
          streamId: m.streams.find((ms) => ms.label === s.label)?.id ?? null,
          codec: (s.codecs.size > 0 ? [...s.codecs] : [...new Set(s.payloadTypes.values())].slice(0, 1)).join(
            ",",
          ),
          channel: s.channel ?? null,
          packets: s.packets,
          droppedMs: Math.round(s.droppedFrames / FRAMES_PER_MS),
        })),
      participants: m.participants.map((p) => ({
        participantId: p.id,
        aor: p.aor,
        ...(p.name === undefined ? {} : { name: p.name }),
        ...(p.dn === undefined ? {} : { dn: p.dn }),
        ...(p.agentId === undefined ? {} : { agentId: p.agentId }),
        ...(p.role === undefined ? {} : { role: p.role }),
        channel: this.participantChannels.get(p.id) ?? null,
        sends: p.send.map(labelOf),
      })),
      params: { ...m.extension.params },
      metadata: this.metadataXml,
      metadataUpdates: [...this.metadataUpdates],
    };
  }
}
