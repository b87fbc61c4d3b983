const RTP_SEQ_MOD = 1 << 16;
// RFC 3550 Appendix A.1: "const int MAX_DROPOUT = 3000; const int MAX_MISORDER = 100;
// const int MIN_SEQUENTIAL = 2;"
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
const MIN_SEQUENTIAL = 2;

/**
 * Receiver statistics for one RTP source, as RFC 3550 Appendix A.1 (sequence number
 * validity, cycles, expected and lost) and A.8 (interarrival jitter) compute them. Pure:
 * the caller passes the arrival time already converted to RTP timestamp units.
 */
export class RtpReceiverStats {
  private maxSeq = 0;
  private cycles = 0;
  private baseSeq = 0;
  private badSeq = RTP_SEQ_MOD + 1;
  private probation = MIN_SEQUENTIAL;
  private receivedCount = 0;
  private receivedPrior = 0;
  private expectedPrior = 0;
  private transit: number | null = null;
  private jitterValue = 0;
  private started = false;

  /** Returns false for a packet the source-validity rules do not (yet) accept. */
  update(seq: number, rtpTimestamp: number, arrival: number): boolean {
    if (!this.started) {
      // RFC 3550 A.1: "init_seq(s, seq); s->max_seq = seq - 1; s->probation = MIN_SEQUENTIAL;"
      this.initSeq(seq);
      this.maxSeq = (seq - 1) & 0xffff;
      this.probation = MIN_SEQUENTIAL;
      this.started = true;
    }
    const valid = this.updateSeq(seq);
    if (valid) this.updateJitter(rtpTimestamp, arrival);
    return valid;
  }

  private initSeq(seq: number) {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = RTP_SEQ_MOD + 1;
    this.cycles = 0;
    this.receivedCount = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
  }

  private updateSeq(seq: number): boolean {
    const udelta = (seq - this.maxSeq) & 0xffff;
    // RFC 3550 A.1: "Source is not valid until MIN_SEQUENTIAL packets with sequential
    // sequence numbers have been received."
    if (this.probation > 0) {
      if (seq === ((this.maxSeq + 1) & 0xffff)) {
        this.probation--;
        this.maxSeq = seq;
        if (this.probation === 0) {
          this.initSeq(seq);
          this.receivedCount++;
          return true;
        }
      } else {
        this.probation = MIN_SEQUENTIAL - 1;
        this.maxSeq = seq;
      }
      return false;
    }
    if (udelta < MAX_DROPOUT) {
      // "in order, with permissible gap"; "Sequence number wrapped - count another 64K cycle."
      if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD;
      this.maxSeq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      // "the sequence number made a very large jump"
      if (seq === this.badSeq) {
        // "Two sequential packets -- assume that the other side restarted without telling us"
        this.initSeq(seq);
      } else {
        this.badSeq = (seq + 1) & (RTP_SEQ_MOD - 1);
        return false;
      }
    }
    // else: "duplicate or reordered packet" — counted, max_seq unchanged.
    this.receivedCount++;
    return true;
  }

  private updateJitter(rtpTimestamp: number, arrival: number) {
    // RFC 3550 A.8: "int transit = arrival - r->ts; int d = transit - s->transit;
    // s->transit = transit; if (d < 0) d = -d; s->jitter += (1./16.) * ((double)d - s->jitter);"
    const transit = arrival - rtpTimestamp;
    if (this.transit !== null) {
      const d = Math.abs(transit - this.transit);
      this.jitterValue += (d - this.jitterValue) / 16;
    }
    this.transit = transit;
  }

  get received(): number {
    return this.receivedCount;
  }

  get extendedHighestSeq(): number {
    return this.cycles + this.maxSeq;
  }

  /** RFC 3550 A.3: "expected = extended_max - s->base_seq + 1;" */
  get expected(): number {
    return this.started && this.probation === 0 ? this.extendedHighestSeq - this.baseSeq + 1 : 0;
  }

  /** Cumulative number lost, clamped to the signed 24 bits a report block carries (A.3). */
  get lost(): number {
    return Math.max(-0x800000, Math.min(0x7fffff, this.expected - this.receivedCount));
  }

  /** Interarrival jitter in timestamp units, as an RTCP report block carries it (A.8). */
  get jitter(): number {
    return Math.floor(this.jitterValue);
  }

  /**
   * Fraction lost since the previous call, as the 8-bit fixed-point value of a report block
   * (RFC 3550 A.3); each call starts a new reporting interval.
   */
  takeFractionLost(): number {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.receivedCount - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.receivedCount;
    const lostInterval = expectedInterval - receivedInterval;
    if (expectedInterval === 0 || lostInterval <= 0) return 0;
    return Math.floor((lostInterval << 8) / expectedInterval);
  }
}
