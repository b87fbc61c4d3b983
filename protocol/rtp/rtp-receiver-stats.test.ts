import { describe, expect, it } from "vitest";
import { RtpReceiverStats } from "./rtp-receiver-stats";

/** Feeds packets of 160 samples sent every 20 ms; `arrivalJitter(i)` adds delay in samples. */
function feed(stats: RtpReceiverStats, seqs: number[], arrivalJitter: (i: number) => number = () => 0) {
  return seqs.map((seq, i) => stats.update(seq & 0xffff, seq * 160, seq * 160 + 1000 + arrivalJitter(i)));
}

describe("RtpReceiverStats (RFC 3550 A.1, A.3, A.8)", () => {
  it("accepts a source after two sequential packets and counts from there", () => {
    const stats = new RtpReceiverStats();
    expect(feed(stats, [100, 101, 102, 103])).toEqual([false, true, true, true]);
    expect(stats.received).toBe(3);
    expect(stats.expected).toBe(3);
    expect(stats.lost).toBe(0);
  });

  it("counts losses and the fraction lost per interval", () => {
    const stats = new RtpReceiverStats();
    feed(stats, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(stats.takeFractionLost()).toBe(0);
    // 11..20 with 13, 14 and 17 missing: 3 of 10 lost = 76/256.
    feed(stats, [11, 12, 15, 16, 18, 19, 20]);
    expect(stats.lost).toBe(3);
    expect(stats.takeFractionLost()).toBe(Math.floor((3 << 8) / 10));
    expect(stats.takeFractionLost()).toBe(0);
  });

  it("follows a sequence number wrap into the next cycle", () => {
    const stats = new RtpReceiverStats();
    feed(stats, [65533, 65534, 65535, 65536, 65537]);
    expect(stats.extendedHighestSeq).toBe(65536 + 1);
    expect(stats.received).toBe(4);
    expect(stats.lost).toBe(0);
  });

  it("counts duplicates and late packets as received, so lost may go negative", () => {
    const stats = new RtpReceiverStats();
    // 11..14 are expected (4); 11, 12, 12 (duplicate), 14, 13 (late) are received (5).
    feed(stats, [10, 11, 12, 12, 14, 13]);
    expect(stats.received).toBe(5);
    expect(stats.extendedHighestSeq).toBe(14);
    // RFC 3550 §6.4.1: "the number of packets received includes any which are late or
    // duplicates, and hence may be greater than the number expected, so the cumulative
    // number of packets lost may be negative."
    expect(stats.lost).toBe(-1);
  });

  it("a single wild jump is ignored; a second sequential one resets the source", () => {
    const stats = new RtpReceiverStats();
    feed(stats, [10, 11, 12]);
    expect(stats.update(40000, 0, 0)).toBe(false);
    expect(stats.update(40001, 0, 0)).toBe(true);
    expect(stats.expected).toBe(1);
    expect(stats.received).toBe(1);
  });

  it("jitter is zero for a steady stream and grows toward the delay variation", () => {
    const steady = new RtpReceiverStats();
    feed(
      steady,
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    expect(steady.jitter).toBe(0);
    const jittery = new RtpReceiverStats();
    // Every other packet arrives 80 samples (10 ms) late: |D| = 80 each time.
    feed(
      jittery,
      Array.from({ length: 400 }, (_, i) => i + 1),
      (i) => (i % 2) * 80,
    );
    expect(jittery.jitter).toBeGreaterThanOrEqual(79);
    expect(jittery.jitter).toBeLessThanOrEqual(80);
  });
});
