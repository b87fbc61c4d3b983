import { describe, expect, it } from "vitest";
import { RtpStreamClock, timestampDelta } from "./rtp-stream-clock";

/** Observes and places a packet that arrived alone: its position. */
function placeAlone(clock: RtpStreamClock, arrival: number, timestamp: number, ssrc: number, length = 0) {
  return clock.position(clock.observe(arrival, timestamp, ssrc), length).position;
}

describe("RtpStreamClock", () => {
  const clock = () =>
    new RtpStreamClock({ maxAheadFrames: 8000, maxBehindFrames: 16000, maxLeadFrames: 800 });

  it("places packets by timestamp distance from the first, not by arrival", () => {
    const c = clock();
    expect(placeAlone(c, 800, 1_000, 7)).toBe(800);
    // Arrives 30 ms late (jitter): still right behind the first packet.
    expect(placeAlone(c, 800 + 160 + 240, 1_160, 7)).toBe(960);
    // A silence-suppression gap of 1 s keeps its length.
    expect(placeAlone(c, 800 + 8320, 1_000 + 8320, 7)).toBe(800 + 8320);
  });

  it("handles timestamp wrap-around", () => {
    expect(timestampDelta(5, 0xffff_fff0)).toBe(21);
    const c = clock();
    placeAlone(c, 0, 0xffff_ff60, 1);
    expect(placeAlone(c, 160, 0x0000_0000, 1)).toBe(160);
  });

  it("re-anchors on a new SSRC, a timestamp jump and after reset", () => {
    const c = clock();
    placeAlone(c, 0, 0, 1);
    expect(placeAlone(c, 1600, 160, 2)).toBe(1600);
    expect(placeAlone(c, 3200, 160 + 10 * 8000, 2)).toBe(3200);
    c.reset();
    expect(placeAlone(c, 9000, 160 + 10 * 8000 + 160, 2)).toBe(9000);
  });

  it("places a burst by its least-delayed packet, never after the audio arrived", () => {
    // Ten 20 ms packets sent from frame 1000 on; a stall holds the first seven, which arrive
    // together with the eighth at frame 2120 (the eighth's own time); the rest are on time.
    const c = clock();
    const sentAt = (i: number) => 1000 + i * 160;
    const burst = Array.from({ length: 8 }, (_, i) => c.observe(2120, i * 160, 9));
    const placed = burst.map((reading) => c.position(reading, 160).position);
    expect(placed).toEqual(Array.from({ length: 8 }, (_, i) => sentAt(i)));
    for (let i = 8; i < 10; i++) expect(placeAlone(c, sentAt(i), i * 160, 9, 160)).toBe(sentAt(i));
    // Placed one by one, the first packet would have anchored the stream at 2120: everything
    // after it would sit 1120 frames (140 ms) after it arrived.
  });

  it("never overwrites placed audio: a better offset takes effect at the stream's next gap", () => {
    const c = clock();
    // A first packet that was itself 100 ms late, then on-time packets.
    expect(placeAlone(c, 800, 0, 3, 160)).toBe(800);
    expect(placeAlone(c, 160 + 100, 160, 3, 160)).toBe(960);
    expect(placeAlone(c, 320 + 100, 320, 3, 160)).toBe(1120);
    // 200 ms of silence suppression: the audio after it goes where its arrival says.
    expect(placeAlone(c, 480 + 1600, 480 + 1600, 3, 160)).toBe(2080);
  });

  it("puts a reordered packet in its own gap", () => {
    const c = clock();
    placeAlone(c, 0, 0, 4, 160);
    expect(placeAlone(c, 320, 320, 4, 160)).toBe(320);
    expect(placeAlone(c, 330, 160, 4, 160)).toBe(160);
    expect(placeAlone(c, 480, 480, 4, 160)).toBe(480);
  });

  it("starts a stretch that arrives far behind its timestamps where it arrived, after the audio before it", () => {
    const c = clock();
    placeAlone(c, 0, 0, 5, 160);
    // The sender's clock lost 3 s (a capture restart keeps counting from where it was).
    expect(placeAlone(c, 24_000 + 160, 160, 5, 160)).toBe(24_160);
    expect(placeAlone(c, 24_320, 320, 5, 160)).toBe(24_320);
  });

  it("drops audio sent faster than real time rather than run the stream late (a sender's backlog)", () => {
    const c = clock();
    expect(placeAlone(c, 0, 0, 6, 160)).toBe(0);
    // 49 packets (980 ms of audio) flushed at once 200 ms later: the last of them is current.
    const backlog = Array.from({ length: 49 }, (_, i) => c.observe(1600, (i + 1) * 160, 6));
    const placements = backlog.map((reading) => c.position(reading, 160));
    const dropped = placements.reduce((sum, p) => sum + p.skip, 0);
    // What is kept runs at most maxLeadFrames (100 ms) late; the older rest is dropped.
    expect(dropped).toBe(34 * 160);
    const kept = placements.filter((p) => p.skip === 0).map((p) => p.position);
    expect(kept).toEqual(Array.from({ length: 15 }, (_, i) => 160 + i * 160));
    expect(kept.at(-1)! - 1600).toBe(800);
    expect(placeAlone(c, 1600 + 160, 50 * 160, 6, 160)).toBe(1760 + 800);
  });
});
