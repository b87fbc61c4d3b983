import {
  DEFAULT_DTMF_MASKING,
  DEFAULT_RECORDING_ENCRYPTION,
  type MsmlRecord,
  type MsmlRecordParticipant,
  type RecordingEventName,
} from "../../protocol/msml";
import { newMetadataId, type RecordingMetadata } from "../../protocol/siprec";
import {
  SystemClock,
  type Clock,
  type Dialog,
  type IncomingRequest,
  type UserAgentCore,
} from "../../sip-core";
import type { MediaLeg } from "../control/media-leg";
import type { MediaBridge, PortPool } from "../rtp";
import { DtmfMask } from "./dtmf-mask";
import { failoverOrder, RecorderFailover } from "./recorder-failover";
import { RecorderSession, type SrcDirection } from "./recorder-session";
import { DEFAULT_WATCH_TIMING, RecorderWatch, type RecorderLoss, type WatchTiming } from "./recorder-watch";
import { isLive, SrcRecordingState, transitionRecording } from "./src-recording-state";
import { RecordingStream } from "./recording-stream";
import { recordingMetadata, type RecordedStreamInfo } from "./siprec-offer";

export type { RecordingEventName };

/** What a recording reports (protocol/msml engine-contract.ts says when and with which fields). */
export interface RecordingEvent {
  readonly name: RecordingEventName;
  readonly session: SrcRecording;
  /** When it happened; for `interrupted` the start of the gap, for `continued` its end. */
  readonly at: Date;
  readonly recorder?: string;
  /** The recorder's SIP status or a sentence. */
  readonly reason?: string;
  readonly segment?: number;
  readonly sent?: number;
  readonly acked?: number;
}

export interface SrcRecordingDeps {
  readonly ua: UserAgentCore;
  readonly bridge: MediaBridge;
  readonly portPool: PortPool;
  readonly publicAddress: string;
  readonly rtpBindHost: string;
  readonly contact: () => string;
  readonly onEvent: (event: RecordingEvent) => void;
  readonly onError: (error: unknown) => void;
  /** Paces the backoff between re-establishment rounds (tests use a FakeClock). */
  readonly clock?: Clock;
  readonly watchTiming?: WatchTiming;
}

const DEFAULT_ATTEMPT_TIMEOUT_MS = 3_000;
/** On stop, how long to wait for the recorder to acknowledge the last packets sent. */
const FINAL_REPORT_WAIT_MS = 2_000;

interface Stream {
  readonly info: RecordedStreamInfo;
  readonly leg: MediaLeg;
  readonly wire: RecordingStream;
  /** Keeps the party's key presses out of what is forwarded (see DtmfMask). */
  readonly mask: DtmfMask;
  removeTap?: () => void;
}

/**
 * One recording as the media engine (the SRC, RFC 7866) runs it — named apart from the lab
 * recorder's SrsRecording and the database's RecordingSession. One MSML dialog of a call leg: the voice of the target leg's party and of every
 * party joined to it, each on its own stream, carried by one SIPREC session (RFC 7866) at a time.
 * When the recorder is lost the recording outlives its session: it reports the gap, and continues
 * in a new SIPREC session with the next recorder of the failover list — same recording id and
 * RFC 7865 session id, the next segment number — retrying with backoff for as long as it is live.
 * Packets are copied as the bridge relays them; the call path never waits for a recorder.
 */
export class SrcRecording {
  private stateValue = SrcRecordingState.Connecting;
  private streams: Stream[] = [];
  private recorder: RecorderSession | undefined;
  private recorderIndex = -1;
  private watch: RecorderWatch | undefined;
  private segment = 0;
  /** True while media is forwarded: false from the instant a pause or a loss is known. */
  private forwarding = false;
  private forwardingSince: number | undefined;
  private readonly metadataSessionId = newMetadataId();
  private readonly ended = new AbortController();
  private readonly failover: RecorderFailover;
  readonly startedAt = new Date();
  /** The recorder of the current (or last) SIPREC session. */
  recorderUri: string | undefined;

  constructor(
    /** MSML dialog id: `conn:<leg>/dialog:<name>`. */
    readonly dialogId: string,
    readonly target: MediaLeg,
    readonly recordingId: string,
    private readonly record: MsmlRecord,
    private readonly deps: SrcRecordingDeps,
  ) {
    this.failover = new RecorderFailover({
      clock: deps.clock ?? new SystemClock(),
      attempt: (index) => this.attempt(index),
      onSkipped: (index, reason) => this.emit("skipped", { recorder: record.dest[index], reason }),
      live: () => this.live,
    });
  }

  get state(): SrcRecordingState {
    return this.stateValue;
  }

  get live(): boolean {
    return isLive(this.stateValue);
  }

  /** RTP packets forwarded to recorders, all streams and segments. */
  get sent(): number {
    return this.streams.reduce((sum, s) => sum + s.wire.sent, 0);
  }

  /** Packets recorders acknowledged in RTCP receiver reports, all streams and segments. */
  get acked(): number {
    return this.streams.reduce((sum, s) => sum + s.wire.acked, 0);
  }

  /** Is `dialog` this recording's current dialog with its recorder? */
  owns(dialog: Dialog): boolean {
    return this.recorder?.owns(dialog) ?? false;
  }

  private move(next: SrcRecordingState): void {
    this.stateValue = transitionRecording(this.stateValue, next);
  }

  private emit(
    name: RecordingEventName,
    fields: Omit<RecordingEvent, "name" | "session" | "at"> & { at?: Date },
  ): void {
    this.deps.onEvent({ name, session: this, at: new Date(), ...fields });
  }

  private get counters(): { sent: number; acked: number } {
    return { sent: this.sent, acked: this.acked };
  }

  /** Opens the streams and tries the recorders in order once; never throws: failure is an event. */
  async start(legs: readonly MediaLeg[]): Promise<void> {
    try {
      this.streams = await Promise.all(legs.map((leg, index) => this.openStream(leg, index)));
    } catch (error) {
      this.fail(`no RTP port for the recording: ${(error as Error).message}`);
      return;
    }
    if (!this.live) {
      this.release();
      return;
    }
    for (const stream of this.streams) {
      const { mask, wire } = stream;
      const owned = mask.ownsOutput;
      // Per packet: no iterator, no array (the mask reuses its own).
      stream.removeTap = this.deps.bridge.addTap(stream.leg.endpoint, (packet) => {
        if (!this.forwarding) return;
        const out = mask.process(packet);
        for (let i = 0; i < out.length; i++) wire.forward(out[i]!, owned);
      });
    }
    const skipped = await this.failover.round(failoverOrder(this.record.dest.length, -1));
    if (skipped !== undefined && this.live && this.recorder === undefined) {
      const tried = skipped.map((reason, i) => `${this.record.dest[i]}: ${reason}`);
      this.fail(`no recorder answered (${tried.join("; ")})`);
    }
  }

  private async openStream(leg: MediaLeg, index: number): Promise<Stream> {
    const wire = await RecordingStream.open(this.deps.portPool, this.deps.rtpBindHost);
    const participant: MsmlRecordParticipant = this.record.participants?.find(
      (p) => p.conn === leg.connId,
    ) ?? { conn: leg.connId, aor: `sip:${leg.connId.slice(5)}@media-engine.invalid` };
    return {
      info: {
        label: String(index + 1),
        streamId: newMetadataId(),
        participantId: newMetadataId(),
        localPort: wire.localPort,
        payloadType: leg.codec.payloadType,
        encoding: leg.codec.encoding,
        participant,
      },
      leg,
      wire,
      mask: new DtmfMask({
        mode: this.record.dtmfMasking ?? DEFAULT_DTMF_MASKING,
        audio: { payloadType: leg.codec.payloadType, encoding: leg.codec.encoding },
        telephoneEventPayloadType: undefined,
      }),
    };
  }

  /** RFC 7865 metadata of segment `segment`: the same session id and recording id every time. */
  private metadata(segment: number): RecordingMetadata {
    const metadata = recordingMetadata({
      sessionId: this.metadataSessionId,
      streams: this.streams.map((s) => s.info),
      recordingId: this.recordingId,
      params: this.record.params,
      startTime: this.startedAt.toISOString(),
    });
    return { ...metadata, extension: { ...metadata.extension, segment } };
  }

  /** One SIPREC session offer to recorder `index`: undefined once it carries the recording, else why not. */
  private async attempt(index: number): Promise<string | undefined> {
    const uri = this.record.dest[index]!;
    const segment = this.segment + 1;
    const recorder = new RecorderSession(
      uri,
      this.deps,
      this.streams.map((s) => s.info),
      this.metadata(segment),
      this.record.encryption ?? DEFAULT_RECORDING_ENCRYPTION,
    );
    // A recording paused while it has no recorder is continued a=inactive.
    const offered: SrcDirection = this.isState(SrcRecordingState.Paused) ? "inactive" : "sendonly";
    const outcome = await recorder.invite(
      offered,
      this.record.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS,
      this.ended.signal,
    );
    if (!outcome.accepted) return outcome.reason;
    if (!this.live) {
      void recorder.hangUp();
      return undefined;
    }
    try {
      await Promise.all(this.streams.map((s, i) => s.wire.begin(outcome.remotes[i]!, s.leg.codec.clockRate)));
    } catch (error) {
      for (const s of this.streams) s.wire.end();
      void recorder.hangUp();
      return `cannot send media to the recorder: ${(error as Error).message}`;
    }
    if (!this.live) {
      for (const s of this.streams) s.wire.end();
      void recorder.hangUp();
      return undefined;
    }
    this.recorder = recorder;
    this.recorderIndex = index;
    this.recorderUri = uri;
    this.segment = segment;
    this.watch = new RecorderWatch(
      {
        recorder,
        streams: this.streams.map((s) => s.wire),
        forwardingSince: () => (this.forwarding ? this.forwardingSince : undefined),
      },
      (loss) => this.lost(recorder, loss),
      this.deps.onError,
      this.deps.watchTiming ?? DEFAULT_WATCH_TIMING,
    );
    this.watch.start();
    if (!this.isState(SrcRecordingState.Paused) && offered === "inactive") {
      // Resumed while the INVITE was out: the recorder must accept media before it gets any.
      const reason = await recorder.setDirection("sendonly");
      if (reason !== undefined) this.lost(recorder, { reason, firstSignAt: Date.now() });
      if (this.recorder !== recorder) return undefined;
    }
    const name = segment === 1 ? "started" : "continued";
    if (this.isState(SrcRecordingState.Paused)) {
      this.emit(name, { recorder: uri, segment });
      if (offered === "sendonly") void this.tellDirection(recorder, "inactive");
      return undefined;
    }
    this.move(SrcRecordingState.Recording);
    this.startForwarding();
    this.emit(name, { recorder: uri, segment, at: new Date(this.forwardingSince!) });
    return undefined;
  }

  private isState(state: SrcRecordingState): boolean {
    return this.stateValue === state;
  }

  private startForwarding(): void {
    for (const s of this.streams) s.mask.flush();
    this.forwardingSince = Date.now();
    this.forwarding = true;
  }

  /**
   * Forwarding stops for a pause or a stop: the packet the DTMF mask holds back arrived before,
   * so it still goes (it has been checked); nothing that arrives later does.
   */
  private stopForwarding(): void {
    if (this.forwarding)
      for (const s of this.streams) for (const p of s.mask.flush()) s.wire.forward(p, s.mask.ownsOutput);
    this.forwarding = false;
  }

  /**
   * The recorder is gone. The gap starts at the last packet it acknowledged by RTCP or, when it
   * never sent RTCP in this session, at the last packet sent before the first sign of the loss.
   */
  private lost(recorder: RecorderSession, loss: RecorderLoss): void {
    if (recorder !== this.recorder || !this.live) return;
    this.forwarding = false;
    const at = this.gapStart(loss.firstSignAt);
    const { sent, acked } = this.counters;
    for (const s of this.streams) s.wire.end();
    this.watch?.stop();
    this.watch = undefined;
    this.recorder = undefined;
    void recorder.hangUp();
    if (this.isState(SrcRecordingState.Recording)) this.move(SrcRecordingState.Interrupted);
    this.emit("interrupted", { recorder: recorder.uri, reason: loss.reason, at: new Date(at), sent, acked });
    const order = failoverOrder(this.record.dest.length, this.recorderIndex);
    this.failover.untilAccepted(order).catch((error: unknown) => this.deps.onError(error));
  }

  private gapStart(firstSignAt: number): number {
    const wires = this.streams.map((s) => s.wire);
    const acked = wires.flatMap((w) => (w.reportsSeen ? (w.lastAckedSentAt() ?? []) : []));
    if (acked.length > 0) return Math.max(...acked);
    const sent = wires.flatMap((w) => w.lastSentBefore(firstSignAt) ?? []);
    if (sent.length > 0) return Math.max(...sent);
    return this.forwardingSince ?? firstSignAt;
  }

  /** A re-INVITE for pause or resume; a recorder that does not answer it is lost. */
  private async tellDirection(
    recorder: RecorderSession,
    direction: SrcDirection,
  ): Promise<string | undefined> {
    const sentAt = Date.now();
    const reason = await recorder.setDirection(direction);
    if (reason !== undefined) this.lost(recorder, { reason, firstSignAt: sentAt });
    return reason;
  }

  /**
   * Card numbers must never reach the recorder: forwarding stops before anything else happens,
   * then the recorder is told with a re-INVITE a=inactive (RFC 7866 §8.1.2 pause by SDP).
   */
  pause(): void {
    if (!this.live || this.isState(SrcRecordingState.Paused)) return;
    this.stopForwarding();
    this.move(SrcRecordingState.Paused);
    this.emit("paused", {});
    if (this.recorder !== undefined) void this.tellDirection(this.recorder, "inactive");
  }

  /** Resumes after the recorder accepted a=sendonly again (at once when there is no recorder now). */
  async resume(): Promise<void> {
    if (!this.isState(SrcRecordingState.Paused)) return;
    const recorder = this.recorder;
    if (recorder === undefined) {
      this.move(this.segment === 0 ? SrcRecordingState.Connecting : SrcRecordingState.Interrupted);
      this.emit("resumed", {});
      return;
    }
    this.move(SrcRecordingState.Recording);
    if ((await this.tellDirection(recorder, "sendonly")) !== undefined) return;
    // A stop, loss or new pause may have come while the re-INVITE was out.
    if (!this.isState(SrcRecordingState.Recording) || this.recorder !== recorder) return;
    this.startForwarding();
    this.emit("resumed", {});
  }

  /** A re-INVITE or UPDATE from the recorder (session refresh): answered with our current direction. */
  answerRecorderOffer(request: IncomingRequest): void {
    const remotes = this.recorder?.answerOffer(
      request,
      this.isState(SrcRecordingState.Paused) ? "inactive" : "sendonly",
    );
    // The recorder may have moved its streams (another host, another port): follow them.
    remotes?.forEach((remote, i) => {
      const wire = this.streams[i]?.wire;
      wire?.retarget(remote).catch((error: unknown) => this.deps.onError(error));
    });
  }

  /** The recorder hung up (BYE): a loss like any other, the recording continues elsewhere. */
  recorderHungUp(): void {
    const recorder = this.recorder;
    if (recorder === undefined) return;
    recorder.recorderHungUp();
    this.lost(recorder, { reason: "the recorder ended the session (BYE)", firstSignAt: Date.now() });
  }

  /**
   * MSML <dialogend>: forwarding stops, the recorder gets up to 2 s to acknowledge the last
   * packets (when it sends RTCP at all), then BYE, then `stopped` with the final counts.
   */
  async stop(): Promise<void> {
    if (!this.live) return;
    this.stopForwarding();
    this.move(SrcRecordingState.Stopped);
    this.endAttempts();
    const recorder = this.recorder;
    this.recorder = undefined;
    if (recorder !== undefined) {
      await this.finalReports();
      await recorder.hangUp();
    }
    const { sent, acked } = this.counters;
    this.release();
    this.emit("stopped", {
      ...(this.recorderUri === undefined ? {} : { recorder: this.recorderUri }),
      sent,
      acked,
    });
  }

  /** The recorded leg ended: the recording stops with it, or fails if it had no recorder then. */
  async legEnded(): Promise<void> {
    if (this.segment > 0 && this.recorder === undefined) {
      this.fail("the call ended while the recording had no recorder");
      return;
    }
    await this.stop();
  }

  /** The media engine is closing. */
  async engineClosing(): Promise<void> {
    if (this.segment > 0 && this.recorder === undefined) {
      this.fail("the media engine closed while the recording had no recorder");
      return;
    }
    await this.stop();
  }

  private fail(reason: string): void {
    if (!this.live) return;
    this.forwarding = false;
    this.move(SrcRecordingState.Failed);
    this.endAttempts();
    const recorder = this.recorder;
    this.recorder = undefined;
    if (recorder !== undefined) void recorder.hangUp();
    const { sent, acked } = this.counters;
    this.release();
    this.emit("failed", { reason, sent, acked });
  }

  private endAttempts(): void {
    this.ended.abort();
    this.failover.cancel();
    this.watch?.stop();
    this.watch = undefined;
  }

  /** Resolves once every stream whose recorder sends RTCP acknowledged its last packet, or after 2 s. */
  private finalReports(): Promise<void> {
    const waiting = this.streams.filter((s) => s.wire.reportsSeen);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        for (const s of waiting) s.wire.onReport = () => undefined;
        resolve();
      };
      const check = (): void => {
        if (waiting.every((s) => s.wire.coversLastSent)) done();
      };
      const timer = setTimeout(done, FINAL_REPORT_WAIT_MS);
      for (const s of waiting) s.wire.onReport = check;
      check();
    });
  }

  private release(): void {
    for (const stream of this.streams) {
      stream.removeTap?.();
      stream.wire.close();
    }
  }
}
