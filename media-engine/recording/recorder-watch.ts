import type { RecorderSession } from "./recorder-session";
import type { RecordingStream } from "./recording-stream";
import { judgedInterval } from "../../common/judged-timer";

export interface WatchTiming {
  /** RTCP: no report, or no progress of the acknowledged sequence, for this long while sending. */
  readonly rtcpSilenceMs: number;
  /** In-dialog OPTIONS period. */
  readonly probeIntervalMs: number;
  /** How long an OPTIONS may stay unanswered. */
  readonly probeDeadlineMs: number;
  /** How often the RTCP rules are checked. */
  readonly checkEveryMs: number;
}

/**
 * Worst cases: RTCP 3 s (+ one check); OPTIONS interval + deadline = 4 s; ICMP at the next packet.
 * All within the 5 s in which the recording must continue elsewhere.
 */
export const DEFAULT_WATCH_TIMING: WatchTiming = {
  rtcpSilenceMs: 3_000,
  probeIntervalMs: 2_000,
  probeDeadlineMs: 2_000,
  checkEveryMs: 250,
};

export interface RecorderLoss {
  readonly reason: string;
  /** When the first sign of the loss appeared (ms since the epoch), to date the gap when no RTCP tells better. */
  readonly firstSignAt: number;
}

export interface WatchSubject {
  readonly recorder: RecorderSession;
  readonly streams: readonly RecordingStream[];
  /** Since when media is forwarded without interruption, or undefined while it is not (paused). */
  forwardingSince(): number | undefined;
}

/**
 * Notices that the recorder of one SIPREC session is gone, by standard means only, so it works
 * with any SRS: RTCP receiver reports (RFC 3550 §6.4.2) when the recorder sends them, ICMP port
 * unreachable on the connected RTP sockets, in-dialog OPTIONS. Reports one loss, once.
 */
export class RecorderWatch {
  private stopped = false;
  private checkTimer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly subject: WatchSubject,
    private readonly onLoss: (loss: RecorderLoss) => void,
    private readonly onError: (error: unknown) => void,
    private readonly timing: WatchTiming = DEFAULT_WATCH_TIMING,
  ) {}

  start(): void {
    for (const stream of this.subject.streams) {
      stream.onUnreachable = () =>
        this.lost("ICMP port unreachable from the recorder's RTP address (ECONNREFUSED)", Date.now());
    }
    // Receiver reports already in the socket are read first; a tick that came late means this
    // process was starved, and the silence it would measure is its own: it judges nothing.
    this.checkTimer = judgedInterval(this.timing.checkEveryMs, (late) => {
      if (!late) this.checkRtcp();
    });
    this.checkTimer.unref();
    this.scheduleProbe(this.timing.probeIntervalMs);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.checkTimer);
    clearTimeout(this.probeTimer);
    for (const stream of this.subject.streams) stream.onUnreachable = () => undefined;
  }

  private lost(reason: string, firstSignAt: number): void {
    if (this.stopped) return;
    this.stop();
    this.onLoss({ reason, firstSignAt });
  }

  /**
   * RFC 3550 §6.4.2: receivers send reports about the sources they hear, so a recorder that has
   * reported once and then goes quiet, or whose "extended highest sequence number received"
   * stops moving while we keep sending, no longer receives. A recorder that never sent RTCP is
   * not judged by it. Only while forwarding: a paused session sends nothing to acknowledge, and
   * a recorder may report less about a silent source (§6.3.5 times a silent sender out).
   */
  private checkRtcp(): void {
    const since = this.subject.forwardingSince();
    if (this.stopped || since === undefined) return;
    const now = Date.now();
    const limit = this.timing.rtcpSilenceMs;
    for (const stream of this.subject.streams) {
      if (!stream.reportsSeen) continue;
      const lastReport = Math.max(stream.lastRtcpAt ?? 0, since);
      if (now - lastReport >= limit) {
        this.lost(`no RTCP receiver report for ${limit} ms`, lastReport);
        return;
      }
      const unacked = stream.firstUnackedSentAt();
      if (unacked !== undefined && now - Math.max(unacked, since) >= limit) {
        this.lost(`RTCP receiver reports acknowledged nothing new for ${limit} ms`, Math.max(unacked, since));
        return;
      }
    }
  }

  private scheduleProbe(delayMs: number): void {
    if (this.stopped) return;
    this.probeTimer = setTimeout(() => {
      this.probe().catch((error: unknown) => this.onError(error));
    }, delayMs);
    this.probeTimer.unref();
  }

  private async probe(): Promise<void> {
    const sentAt = Date.now();
    const reason = await this.subject.recorder.probe(this.timing.probeDeadlineMs);
    if (this.stopped) return;
    if (reason !== undefined) {
      this.lost(reason, sentAt);
      return;
    }
    this.scheduleProbe(Math.max(0, this.timing.probeIntervalMs - (Date.now() - sentAt)));
  }
}
