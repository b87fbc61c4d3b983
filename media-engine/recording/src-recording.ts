import { DEFAULT_RECORDING_ENCRYPTION, type MsmlRecord, type RecordingEventName } from "../../protocol/msml";
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
import { RecordedStreams } from "./recorded-streams";
import { failoverOrder, RecorderFailover } from "./recorder-failover";
import { RecorderSession, type SrcDirection } from "./recorder-session";
import { DEFAULT_WATCH_TIMING, RecorderWatch, type RecorderLoss, type WatchTiming } from "./recorder-watch";
import { isLive, SrcRecordingState, transitionRecording } from "./src-recording-state";
import { recordingMetadata } from "./siprec-offer";

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

/**
 * One recording as the media engine (the SRC, RFC 7866) runs it — named apart from the lab
 * recorder's SrsRecording and the database's RecordingSession. One MSML dialog of a call leg: the voice of the target leg's party and of every
 * party joined to it, each on its own stream, carried by one SIPREC session (RFC 7866) at a time.
 * When the recorder is lost the recording outlives its session: it reports the gap, and continues
 * in a new SIPREC session with the next recorder of the failover list — same recording id and
 * RFC 7865 session id, the next segment number — retrying with backoff for as long as it is live.
 * Packets are copied as the bridge relays them (RecordedStreams); the call path never waits for a
 * recorder.
 */
export class SrcRecording {
  private stateValue = SrcRecordingState.Connecting;
  private readonly media: RecordedStreams;
  private recorder: RecorderSession | undefined;
  private recorderIndex = -1;
  private watch: RecorderWatch | undefined;
  private segment = 0;
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
    this.media = new RecordedStreams(record, deps);
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
    return this.media.sent;
  }

  /** Packets recorders acknowledged in RTCP receiver reports, all streams and segments. */
  get acked(): number {
    return this.media.acked;
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
      await this.media.open(legs);
    } catch (error) {
      this.fail(`no RTP port for the recording: ${(error as Error).message}`);
      return;
    }
    if (!this.live) {
      this.media.release();
      return;
    }
    this.media.tap();
    const skipped = await this.failover.round(failoverOrder(this.record.dest.length, -1));
    if (skipped !== undefined && this.live && this.recorder === undefined) {
      const tried = skipped.map((reason, i) => `${this.record.dest[i]}: ${reason}`);
      this.fail(`no recorder answered (${tried.join("; ")})`);
    }
  }

  /** RFC 7865 metadata of segment `segment`: the same session id and recording id every time. */
  private metadata(segment: number): RecordingMetadata {
    const metadata = recordingMetadata({
      sessionId: this.metadataSessionId,
      streams: this.media.infos,
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
      this.media.infos,
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
      await this.media.begin(outcome.remotes);
    } catch (error) {
      this.media.end();
      void recorder.hangUp();
      return `cannot send media to the recorder: ${(error as Error).message}`;
    }
    if (!this.live) {
      this.media.end();
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
        streams: this.media.wires,
        forwardingSince: () => this.media.forwardingSince,
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
    this.media.startForwarding();
    this.emit(name, { recorder: uri, segment, at: new Date(this.media.forwardingSince!) });
    return undefined;
  }

  private isState(state: SrcRecordingState): boolean {
    return this.stateValue === state;
  }

  /**
   * The recorder is gone. The gap starts at the last packet it acknowledged by RTCP or, when it
   * never sent RTCP in this session, at the last packet sent before the first sign of the loss.
   */
  private lost(recorder: RecorderSession, loss: RecorderLoss): void {
    if (recorder !== this.recorder || !this.live) return;
    this.media.dropForwarding();
    const at = this.media.gapStart(loss.firstSignAt);
    const { sent, acked } = this.counters;
    this.media.end();
    this.watch?.stop();
    this.watch = undefined;
    this.recorder = undefined;
    void recorder.hangUp();
    if (this.isState(SrcRecordingState.Recording)) this.move(SrcRecordingState.Interrupted);
    this.emit("interrupted", { recorder: recorder.uri, reason: loss.reason, at: new Date(at), sent, acked });
    const order = failoverOrder(this.record.dest.length, this.recorderIndex);
    this.failover.untilAccepted(order).catch((error: unknown) => this.deps.onError(error));
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
    this.media.stopForwarding();
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
    this.media.startForwarding();
    this.emit("resumed", {});
  }

  /** A re-INVITE or UPDATE from the recorder (session refresh): answered with our current direction. */
  answerRecorderOffer(request: IncomingRequest): void {
    const remotes = this.recorder?.answerOffer(
      request,
      this.isState(SrcRecordingState.Paused) ? "inactive" : "sendonly",
    );
    if (remotes !== undefined) this.media.retarget(remotes, (error) => this.deps.onError(error));
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
    this.media.stopForwarding();
    this.move(SrcRecordingState.Stopped);
    this.endAttempts();
    const recorder = this.recorder;
    this.recorder = undefined;
    if (recorder !== undefined) {
      await this.media.finalReports();
      await recorder.hangUp();
    }
    const { sent, acked } = this.counters;
    this.media.release();
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
    this.media.dropForwarding();
    this.move(SrcRecordingState.Failed);
    this.endAttempts();
    const recorder = this.recorder;
    this.recorder = undefined;
    if (recorder !== undefined) void recorder.hangUp();
    const { sent, acked } = this.counters;
    this.media.release();
    this.emit("failed", { reason, sent, acked });
  }

  private endAttempts(): void {
    this.ended.abort();
    this.failover.cancel();
    this.watch?.stop();
    this.watch = undefined;
  }
}
