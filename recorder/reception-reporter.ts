import { type RtcpReportBlock, RtpReceiverStats } from "../protocol/rtp";

/** RFC 3550 §6.4.1: "at most 31 report blocks fit one packet" (the RC field has 5 bits). */
const MAX_REPORT_BLOCKS = 31;

interface SourceState {
  readonly stats: RtpReceiverStats;
  lastRtpMs: number;
  /** The middle 32 bits of the NTP timestamp of the last SR from this source, and when it arrived. */
  lastSr: { middle: number; atMs: number } | undefined;
}

export interface ReceptionReporterOptions {
  /** RTP timestamp units per second of the stream's payload (8000 for G.711). */
  readonly clockRate: number;
  /** How long a source other than the latest one may be silent before its block is dropped. */
  readonly sourceTimeoutMs: number;
}

/**
 * The reception statistics of one recorded stream, per source, as RFC 3550 §6.4.1 defines the
 * report block: "SSRC_n (source identifier)", "fraction lost", "cumulative number of packets
 * lost", "extended highest sequence number received", "interarrival jitter", "last SR timestamp
 * (LSR)" and "delay since last SR (DLSR)". Times are monotonic milliseconds from the caller.
 */
export class ReceptionReporter {
  private readonly sources = new Map<number, SourceState>();
  private latest: number | undefined;

  constructor(private readonly options: ReceptionReporterOptions) {}

  /** Whether any RTP packet arrived yet: nothing is reported before. */
  get hasReceived(): boolean {
    return this.latest !== undefined;
  }

  receivedRtp(ssrc: number, sequenceNumber: number, timestamp: number, arrivalMs: number): void {
    let source = this.sources.get(ssrc);
    if (source === undefined) {
      source = { stats: new RtpReceiverStats(), lastRtpMs: arrivalMs, lastSr: undefined };
      this.sources.set(ssrc, source);
    }
    source.lastRtpMs = arrivalMs;
    this.latest = ssrc;
    // RFC 3550 A.8 computes jitter from arrival times "in the same units" as the RTP timestamps.
    source.stats.update(sequenceNumber, timestamp, (arrivalMs * this.options.clockRate) / 1000);
  }

  /**
   * RFC 3550 §6.4.1, LSR: "The middle 32 bits out of 64 in the NTP timestamp received as part of
   * the most recent RTCP sender report (SR) packet from source SSRC_n. If no SR has been received
   * yet, the field is set to zero."
   */
  receivedSenderReport(ssrc: number, ntpTimestamp: bigint, arrivalMs: number): void {
    const source = this.sources.get(ssrc);
    if (source === undefined) return;
    source.lastSr = { middle: Number((ntpTimestamp >> 16n) & 0xffff_ffffn), atMs: arrivalMs };
  }

  /** One block per source heard from; each call starts a new interval for "fraction lost". */
  reportBlocks(nowMs: number): RtcpReportBlock[] {
    // RFC 3550 §6.3.5 times out a sender that has not sent RTP within two report intervals; the
    // latest source stays, so a silent but live stream is still reported (the SRC counts on it).
    for (const [ssrc, source] of this.sources)
      if (ssrc !== this.latest && nowMs - source.lastRtpMs > this.options.sourceTimeoutMs)
        this.sources.delete(ssrc);
    const newestFirst = [...this.sources.entries()].sort(([, a], [, b]) => b.lastRtpMs - a.lastRtpMs);
    return newestFirst.slice(0, MAX_REPORT_BLOCKS).map(([ssrc, source]) => ({
      ssrc,
      fractionLost: source.stats.takeFractionLost(),
      cumulativeLost: source.stats.lost,
      highestSequence: source.stats.extendedHighestSeq,
      jitter: source.stats.jitter,
      lastSr: source.lastSr?.middle ?? 0,
      // RFC 3550 §6.4.1, DLSR: "The delay, expressed in units of 1/65536 seconds, between
      // receiving the last SR packet from source SSRC_n and sending this reception report block.
      // If no SR packet has been received yet from SSRC_n, the DLSR field is set to zero."
      delaySinceLastSr:
        source.lastSr === undefined ? 0 : Math.round(((nowMs - source.lastSr.atMs) / 1000) * 65536),
    }));
  }
}
