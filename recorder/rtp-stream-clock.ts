export interface RtpStreamClockOptions {
  /**
   * How far (in samples) a packet's timestamp-derived position may run ahead of its arrival
   * before the timestamps are no longer trusted and the stream is re-anchored.
   */
  readonly maxAheadFrames: number;
  /** Likewise for a position behind the arrival time (a timestamp jump backwards, a long stall). */
  readonly maxBehindFrames: number;
}

/** Signed difference a - b of two 32-bit RTP timestamps, assuming they are less than 2^31 apart. */
export function timestampDelta(a: number, b: number): number {
  return (a - b) | 0;
}

/**
 * Where on the recording's timeline the samples of one RTP stream go.
 *
 * RFC 3550 §5.1: "The timestamp reflects the sampling instant of the first octet in the RTP data
 * packet. The sampling instant MUST be derived from a clock that increments monotonically and
 * linearly in time to allow synchronization and jitter calculations". So the first packet of a
 * stretch is placed where it arrived, and every later one at that position plus its timestamp
 * distance: network jitter moves arrival times but not the audio, and a silence-suppression gap
 * (the sender's clock keeps running) stays exactly as long as it was.
 *
 * The timestamps are trusted only as long as they agree with the wall clock within bounds: a new
 * SSRC (the SRC switched sources), a timestamp jump, or a resume after a pause (after which an SRC
 * may continue timestamps as if no time had passed) re-anchors on the arrival time.
 */
export class RtpStreamClock {
  private anchor: { ssrc: number; timestamp: number; position: number } | undefined;

  constructor(private readonly options: RtpStreamClockOptions) {}

  /** Forgets the anchor; the next packet is placed at its arrival. */
  reset(): void {
    this.anchor = undefined;
  }

  /** The frame position of the packet's first sample. */
  place(arrivalFrame: number, timestamp: number, ssrc: number): number {
    const anchor = this.anchor;
    if (anchor !== undefined && anchor.ssrc === ssrc) {
      const position = anchor.position + timestampDelta(timestamp, anchor.timestamp);
      const drift = position - arrivalFrame;
      if (drift <= this.options.maxAheadFrames && -drift <= this.options.maxBehindFrames) return position;
    }
    const position = Math.max(0, Math.round(arrivalFrame));
    this.anchor = { ssrc, timestamp, position };
    return position;
  }
}
