import { describe, expect, it } from "vitest";
import { decodePcmu, parseRtpHeader, serializeRtpPacket } from "../../protocol/rtp";
import { goertzel } from "../../recorder/test-support/audio-analysis";
import { ToneOverlay } from "./tone-overlay";

function packet(seq: number, payloadType = 0, payload = Buffer.alloc(160, 0xff)): Buffer {
  return serializeRtpPacket({
    marker: false,
    payloadType,
    sequenceNumber: seq,
    timestamp: 1000 + seq * 160,
    ssrc: 0x1234,
    csrcs: [],
    extension: false,
    payload,
  });
}

const payloadOf = (p: Buffer): Buffer => {
  const h = parseRtpHeader(p);
  return p.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength);
};

function toneIn(p: Buffer): boolean {
  const samples = new Int16Array(160);
  decodePcmu(payloadOf(p), samples);
  return goertzel(samples, 1400, 8000) > 1e9;
}

describe("ToneOverlay", () => {
  it("replaces the audio of packets for the tone's duration, keeping SSRC, sequence and timestamp", () => {
    const overlay = new ToneOverlay({ payloadType: 0, encoding: "PCMU" });
    let done = 0;
    overlay.sound({ frequencyHz: 1400, durationMs: 60 }, {}, () => done++);
    const sent = [0, 1, 2, 3].map((seq) => packet(seq));
    const out = sent.map(overlay.filter);
    expect(out.map(toneIn)).toEqual([true, true, true, false]);
    expect(out[3]).toBe(sent[3]);
    for (const [i, p] of out.entries()) {
      const h = parseRtpHeader(p);
      expect([h.ssrc, h.sequenceNumber, h.timestamp, h.payloadType]).toEqual([0x1234, i, 1000 + i * 160, 0]);
    }
    // The relayed packets themselves are untouched (other targets and the recording get them).
    expect(sent.every((p) => payloadOf(p).equals(Buffer.alloc(160, 0xff)))).toBe(true);
    expect(done).toBe(1);
    expect(overlay.sounding).toBe(false);
    expect(overlay.replaced).toBe(3);
  });

  it("passes telephone-events through and carries on with the next audio packet", () => {
    const overlay = new ToneOverlay({ payloadType: 0, encoding: "PCMU" });
    overlay.sound({ frequencyHz: 1400, durationMs: 20 }, {}, () => undefined);
    const event = packet(0, 101, Buffer.from([1, 0x0a, 0, 160]));
    expect(overlay.filter(event)).toBe(event);
    expect(toneIn(overlay.filter(packet(1)))).toBe(true);
  });

  it("silences only the tone of whoever started it", () => {
    const overlay = new ToneOverlay({ payloadType: 0, encoding: "PCMU" });
    const first = {};
    const second = {};
    overlay.sound({ frequencyHz: 1400, durationMs: 500 }, first, () => undefined);
    overlay.sound({ frequencyHz: 1400, durationMs: 500 }, second, () => undefined);
    overlay.silence(first);
    expect(overlay.sounding).toBe(true);
    overlay.silence(second);
    expect(overlay.sounding).toBe(false);
    const p = packet(0);
    expect(overlay.filter(p)).toBe(p);
  });
});
