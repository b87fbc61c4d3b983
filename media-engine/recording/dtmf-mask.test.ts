import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  decodePcmu,
  encodePcmu,
  parseRtpHeader,
  readPayloadType,
  readTimestamp,
  serializeRtpPacket,
} from "../../protocol/rtp";
import { DtmfMask } from "./dtmf-mask";
import { detectDtmf } from "./in-band-dtmf-detector";

const VECTORS = path.join(fileURLToPath(new URL(".", import.meta.url)), "../../protocol/rtp/__vectors__");
const hexLines = (file: string) =>
  fs
    .readFileSync(path.join(VECTORS, file), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => Buffer.from(l.trim(), "hex"));

const PCMU = { payloadType: 0, encoding: "PCMU" };

function audioPacket(seq: number, samples: Int16Array): Buffer {
  return serializeRtpPacket({
    marker: false,
    payloadType: 0,
    sequenceNumber: seq,
    timestamp: 1000 + seq * 160,
    ssrc: 42,
    csrcs: [],
    extension: false,
    payload: encodePcmu(samples),
  });
}

/** 440 Hz "voice" with DTMF "5" (770 + 1336 Hz) from sample `from` to `to`. */
function signal(length: number, from: number, to: number): Int16Array {
  const out = new Int16Array(length);
  for (let i = 0; i < length; i++) {
    const t = i / 8000;
    out[i] =
      i >= from && i < to
        ? Math.round(5000 * Math.sin(2 * Math.PI * 770 * t) + 5000 * Math.sin(2 * Math.PI * 1336 * t))
        : Math.round(3000 * Math.sin(2 * Math.PI * 440 * t));
  }
  return out;
}

function decodeAll(packets: Buffer[]): Int16Array {
  const out = new Int16Array(packets.length * 160);
  packets.forEach((p, i) => {
    const h = parseRtpHeader(p);
    decodePcmu(p.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength), out, i * 160);
  });
  return out;
}

describe("DtmfMask", () => {
  it("turns RFC 4733 events into silence covering the event once, keeping the timeline", () => {
    const mask = new DtmfMask({ mode: "events", audio: PCMU, telephoneEventPayloadType: 101 });
    const events = hexLines("dtmf-2833-1.hex").filter((p) => readPayloadType(p) === 101);
    const out = events.flatMap((p) => mask.process(p));
    expect(out.every((p) => readPayloadType(p) === 0)).toBe(true);
    // The vector's event lasts 2240 samples (its end packet is sent three times).
    const covered = out.map((p) => parseRtpHeader(p).payloadLength).reduce((a, b) => a + b, 0);
    expect(covered).toBe(2240);
    const start = readTimestamp(events[0]!);
    let expected = start;
    for (const p of out) {
      expect(readTimestamp(p)).toBe(expected);
      expected += parseRtpHeader(p).payloadLength;
      expect([...p.subarray(12)].every((b) => b === 0xff)).toBe(true);
    }
    expect(mask.masked).toBe(events.length);
  });

  it("drops events without a G.711 format to fill with, and passes everything when off", () => {
    const opus = new DtmfMask({
      mode: "events+inband",
      audio: { payloadType: 111, encoding: "opus" },
      telephoneEventPayloadType: 101,
    });
    const events = hexLines("dtmf-2833-1.hex");
    expect(events.flatMap((p) => opus.process(p))).toEqual([]);
    const off = new DtmfMask({ mode: "off", audio: PCMU, telephoneEventPayloadType: 101 });
    expect(events.flatMap((p) => off.process(p))).toEqual(events);
  });

  it("silences in-band DTMF in the recorded copy, its partial first and last packets included", () => {
    // 30 packets; the key sounds from the middle of packet 10 to the middle of packet 16.
    const audio = signal(30 * 160, 10 * 160 + 70, 16 * 160 + 90);
    const sent = Array.from({ length: 30 }, (_, i) => audioPacket(i, audio.subarray(i * 160, (i + 1) * 160)));
    const mask = new DtmfMask({ mode: "events+inband", audio: PCMU, telephoneEventPayloadType: 101 });
    const out = [...sent.flatMap((p) => mask.process(p)), ...mask.flush()];
    expect(out.map((p) => parseRtpHeader(p).sequenceNumber)).toEqual(sent.map((_, i) => i));
    const recorded = decodeAll(out);
    // No 20 ms window, at any 1 ms offset, holds a key any more.
    for (let at = 0; at + 160 <= recorded.length; at += 8)
      expect(detectDtmf(recorded.subarray(at, at + 160)), `window at ${at}`).toBeUndefined();
    // The voice around it is untouched: packets 0–8 and 18–29 are exactly what was sent.
    for (const i of [
      ...Array.from({ length: 9 }, (_, k) => k),
      ...Array.from({ length: 12 }, (_, k) => 18 + k),
    ])
      expect(out[i]!.equals(sent[i]!), `packet ${i}`).toBe(true);
    expect(mask.masked).toBeGreaterThanOrEqual(7);
    expect(mask.masked).toBeLessThanOrEqual(9);
  });

  it("with in-band masking hands out buffers of its own and never changes the packet it is given", () => {
    // The packet given is the one being relayed to the other party: the recording stream restamps
    // what the mask hands out in place (ownsOutput), so that must never be the relayed buffer.
    const audio = signal(10 * 160, 3 * 160, 6 * 160);
    const sent = Array.from({ length: 10 }, (_, i) => audioPacket(i, audio.subarray(i * 160, (i + 1) * 160)));
    const copies = sent.map((p) => Buffer.from(p));
    const mask = new DtmfMask({ mode: "events+inband", audio: PCMU, telephoneEventPayloadType: 101 });
    expect(mask.ownsOutput).toBe(true);
    const out = [...sent.flatMap((p) => [...mask.process(p)]), ...mask.flush()];
    expect(out).toHaveLength(10);
    for (const p of out) expect(sent.includes(p)).toBe(false);
    sent.forEach((p, i) => expect(p.equals(copies[i]!), `packet ${i} unchanged`).toBe(true));
    expect(new DtmfMask({ mode: "events", audio: PCMU, telephoneEventPayloadType: 101 }).ownsOutput).toBe(
      false,
    );
  });

  it("hands the held packet over on flush (a pause), and nothing after", () => {
    const mask = new DtmfMask({ mode: "events+inband", audio: PCMU, telephoneEventPayloadType: 101 });
    const voice = signal(320, 0, 0);
    const first = audioPacket(0, voice.subarray(0, 160));
    expect(mask.process(first)).toEqual([]);
    expect(mask.flush()).toEqual([first]);
    expect(mask.flush()).toEqual([]);
  });
});
