import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { encodePcmu, serializeRtpPacket } from "../protocol/rtp";
import { parseSiprecBody } from "./parse-siprec-offer";
import { SrsRecording } from "./srs-recording";
import { readWav } from "./test-support/audio-analysis";
import { offerSdp, siprecBody, twoPartyMetadata } from "./test-support/siprec-fixtures";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const STREAMS = [
  { label: "1", port: 40000, payloadType: 0, encoding: "PCMU" },
  { label: "2", port: 40002, payloadType: 0, encoding: "PCMU" },
];

function offer(direction: "sendonly" | "inactive", withMetadata = true) {
  const { body, contentType } = siprecBody(
    offerSdp(STREAMS, direction),
    withMetadata ? twoPartyMetadata(["1", "2"]) : undefined,
  );
  return parseSiprecBody(body, contentType, withMetadata);
}

function packet(timestamp: number, value: number, seq: number, ssrc = 1): Buffer {
  const samples = new Int16Array(160).fill(value);
  return serializeRtpPacket({
    marker: false,
    payloadType: 0,
    sequenceNumber: seq,
    timestamp,
    ssrc,
    csrcs: [],
    extension: false,
    payload: encodePcmu(samples),
  });
}

function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-session-"));
  dirs.push(dir);
  let now = 1_700_000_000_000;
  const session = new SrsRecording({
    dir,
    sipCallId: "sip-call-1",
    offer: offer("sendonly"),
    now: () => now,
  });
  return {
    session,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** Index of the first sample of each run of non-silence. */
function onsets(samples: Int16Array): number[] {
  const result: number[] = [];
  for (let i = 0; i < samples.length; i++)
    if (samples[i] !== 0 && (i === 0 || samples[i - 1] === 0)) result.push(i);
  return result;
}

describe("SrsRecording timeline", () => {
  it("places packets by RTP timestamp so arrival jitter does not stretch or shift the audio", () => {
    const { session, advance } = setup();
    advance(100);
    session.receiveRtp(0, packet(1000, 1000, 1)); // anchor: frame 800
    advance(60); // 40 ms late
    session.receiveRtp(0, packet(1160, 2000, 2));
    advance(0); // early relative to the previous one, and out of order
    session.receiveRtp(0, packet(1480, 3000, 4));
    session.receiveRtp(0, packet(1320, 4000, 3));
    session.receiveRtp(0, packet(1320, 9999, 3)); // duplicate: ignored
    advance(1000);
    const summary = session.finalize("bye");
    const wav = readWav(session.wavFile);
    const ch = wav.samples[0]!;
    expect(wav.channels).toBe(2);
    expect(ch.length).toBe(1160 * 8);
    expect(onsets(ch)).toEqual([800]);
    expect([ch[800], ch[960], ch[1120], ch[1280], ch[1439], ch[1440]].map((v) => Math.sign(v!))).toEqual([
      1, 1, 1, 1, 1, 0,
    ]);
    expect(ch[1120]! > ch[960]!).toBe(true); // 4000 after 2000: order restored
    expect(Math.max(...wav.samples[1]!.map(Math.abs))).toBe(0);
    expect(summary.streams[0]).toMatchObject({ label: "1", packets: 4, codec: "PCMU" });
  });

  it("keeps a silence-suppression gap as long as the timestamps say, and re-anchors after a pause", () => {
    const { session, advance } = setup();
    session.receiveRtp(1, packet(0, 1000, 1, 7)); // frame 0
    advance(900); // 880 ms of silence suppression; arrives 20 ms late
    session.receiveRtp(1, packet(8 * 880, 1000, 2, 7));
    advance(100);
    session.applyOffer(offer("inactive", false));
    expect(session.paused).toBe(true);
    advance(50);
    session.receiveRtp(1, packet(8 * 900, 1000, 3, 7)); // sent while paused: dropped
    advance(450);
    session.applyOffer(offer("sendonly", false));
    expect(session.paused).toBe(false);
    // Timestamps continue as if no time had passed: placed at arrival (frame 1500 ms * 8) instead.
    session.receiveRtp(1, packet(8 * 900, 1000, 4, 7));
    advance(500);
    const summary = session.finalize("bye");
    expect(onsets(readWav(session.wavFile).samples[1]!)).toEqual([0, 880 * 8, 1500 * 8]);
    expect(summary.pauses).toEqual([{ startMs: 1000, endMs: 1500 }]);
  });

  it("places a burst by its least-delayed packet: the first of it does not drag the stream late", () => {
    const { session, advance } = setup();
    // Eight packets (140 ms of audio) held up and delivered together 500 ms in, then on time.
    advance(500);
    for (let i = 0; i < 8; i++) session.receiveRtp(0, packet(i * 160, 1000, i));
    advance(20);
    session.receiveRtp(0, packet(8 * 160, 1000, 8));
    advance(500);
    const summary = session.finalize("bye");
    // The last of the burst arrived on time, so the first belongs 140 ms before the burst came.
    expect(onsets(readWav(session.wavFile).samples[0]!)).toEqual([(500 - 140) * 8]);
    expect(summary.streams[0]).toMatchObject({ packets: 9, droppedMs: 0 });
  });

  it("writes incrementally: ticks flush everything older than the jitter window", () => {
    const { session, advance } = setup();
    for (let i = 0; i < 100; i++) {
      session.receiveRtp(0, packet(i * 160, 500, i));
      advance(20);
      session.tick();
    }
    const written = readWav(session.wavFile).dataSize / 4;
    expect(written).toBeGreaterThanOrEqual(8 * (2000 - 300) - 1);
    expect(written).toBeLessThanOrEqual(8 * (2000 - 300) + 1);
    session.finalize("shutdown");
    expect(readWav(session.wavFile).dataSize / 4).toBe(8 * 2000);
  });

  it("ignores garbage, unknown payload types and unknown streams", () => {
    const { session, advance } = setup();
    const g729 = packet(0, 100, 1);
    g729[1] = 18;
    for (const datagram of [Buffer.alloc(0), Buffer.from("hello world!!"), Buffer.alloc(3, 0x80), g729]) {
      session.receiveRtp(0, datagram);
      session.receiveRtp(7, datagram);
    }
    advance(100);
    const summary = session.finalize("bye");
    expect(summary.streams.map((s) => s.packets)).toEqual([0, 0]);
    expect(readWav(session.wavFile).samples.every((c) => c.every((v) => v === 0))).toBe(true);
  });

  it("names the files after the recording id and never overwrites an earlier recording", () => {
    const first = setup();
    const dir = path.dirname(first.session.wavFile);
    const second = new SrsRecording({ dir, sipCallId: "x", offer: offer("sendonly") });
    expect(path.basename(first.session.wavFile)).toBe("rec-42.wav");
    expect(path.basename(second.wavFile)).toBe("rec-42-2.wav");
    first.session.finalize("bye");
    second.finalize("bye");
    expect(fs.readdirSync(dir).sort()).toEqual([
      "rec-42-2.json",
      "rec-42-2.wav",
      "rec-42.json",
      "rec-42.wav",
    ]);
  });
});
