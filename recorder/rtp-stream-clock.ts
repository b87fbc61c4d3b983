export interface RtpStreamClockOptions {
  /**
   * How far (in samples) a packet may arrive earlier than its stretch's timestamps allow before
   * they are no longer trusted (a timestamp jump forwards) and a new stretch begins.
   */
  readonly maxAheadFrames: number;
  /** Likewise for a packet that arrives later than that (a jump backwards, a long stall). */
  readonly maxBehindFrames: number;
  /**
   * How far a stream's audio may be placed after where its timestamps put it, to stay
   * continuous; audio that arrived faster than real time beyond this is dropped.
   */
  readonly maxLeadFrames: number;
}

/** Signed difference a - b of two 32-bit RTP timestamps, assuming they are less than 2^31 apart. */
export function timestampDelta(a: number, b: number): number {
  return (a - b) | 0;
}

/** A stretch of one stream whose timestamps are trusted. */
interface Stretch {
  readonly ssrc: number;
  /** The timestamp every other one is measured from. */
  readonly reference: number;
  /** The frame the reference timestamp belongs at: the earliest any packet's arrival implies. */
  offset: number;
  /** The timestamp distance of the furthest packet placed so far (-Infinity before the first). */
  placedDelta: number;
}

/** A packet as the clock saw it arrive; `RtpStreamClock.position` later says where it goes. */
export interface ClockReading {
  readonly stretch: Stretch;
  readonly delta: number;
}

/** Where a packet goes: its first `skip` samples are dropped, the rest start at `position`. */
export interface Placement {
  readonly position: number;
  readonly skip: number;
}

/**
 * Where on the recording's timeline the samples of one RTP stream go.
 *
 * RFC 3550 §5.1: "The timestamp reflects the sampling instant of the first octet in the RTP data
 * packet. The sampling instant MUST be derived from a clock that increments monotonically and
 * linearly in time to allow synchronization and jitter calculations". So within a stretch every
 * packet goes at one offset plus its timestamp distance: network jitter moves arrival times but
 * not the audio, and a silence-suppression gap (the sender's clock keeps running) stays exactly as
 * long as it was.
 *
 * The offset is the earliest that any packet's arrival implies (the least-delayed packet is the
 * best witness of when the audio was sent): a packet can arrive late, never early. Packets that
 * arrive together (a burst after a stall of the sender, the network or this process) are all
 * observed before any is placed, so the first of a burst does not drag the whole stream late —
 * which would put audio up to a second after the moment it was sent, into a pause that followed.
 * Placed audio is never overwritten. When the offset improves while a stream's audio is
 * continuous, the stream may run up to `maxLeadFrames` late to stay continuous (a gap in its
 * audio lets it catch up); a sender that sends faster than real time beyond that — Chromium
 * flushes a second or more of audio captured before the call was connected — has what overlaps
 * its already placed audio dropped. Otherwise that stream would run late for the rest of the
 * recording: out of step with the other party's channel, and its audio spilling into a pause.
 *
 * A new SSRC (the SRC switched sources), a timestamp jump, or a resume after a pause (after which
 * an SRC may continue timestamps as if no time had passed) begins a new stretch.
 */
export class RtpStreamClock {
  private stretch: Stretch | undefined;
  /** One past the last frame placed in timestamp order. */
  private placedEnd = 0;

  constructor(private readonly options: RtpStreamClockOptions) {}

  /** The next packet begins a new stretch, placed by its arrival. */
  reset(): void {
    this.stretch = undefined;
  }

  /** Learns from a packet's arrival (in frames since the recording began). */
  observe(arrivalFrame: number, timestamp: number, ssrc: number): ClockReading {
    const current = this.stretch;
    if (current !== undefined && current.ssrc === ssrc) {
      const delta = timestampDelta(timestamp, current.reference);
      const implied = arrivalFrame - delta;
      if (
        implied - current.offset <= this.options.maxBehindFrames &&
        current.offset - implied <= this.options.maxAheadFrames
      ) {
        current.offset = Math.min(current.offset, implied);
        return { stretch: current, delta };
      }
    }
    const stretch: Stretch = {
      ssrc,
      reference: timestamp,
      offset: Math.max(0, arrivalFrame),
      placedDelta: Number.NEGATIVE_INFINITY,
    };
    this.stretch = stretch;
    return { stretch, delta: 0 };
  }

  /**
   * Where the packet goes, given everything observed so far. Packets are placed in the order
   * they were observed; `length` is the packet's sample count.
   */
  position(reading: ClockReading, length: number): Placement {
    const { stretch, delta } = reading;
    const position = Math.round(stretch.offset + delta);
    // A reordered packet fills its own gap.
    if (delta <= stretch.placedDelta) return { position, skip: 0 };
    stretch.placedDelta = delta;
    const lead = this.placedEnd - position;
    if (lead <= 0) {
      this.placedEnd = position + length;
      return { position, skip: 0 };
    }
    if (lead <= this.options.maxLeadFrames) {
      this.placedEnd += length;
      return { position: position + lead, skip: 0 };
    }
    const skip = Math.min(length, lead);
    this.placedEnd = Math.max(this.placedEnd, position + length);
    return { position: position + skip, skip };
  }
}
