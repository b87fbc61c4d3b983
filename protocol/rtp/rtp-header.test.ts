import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ProtocolParseError } from "../protocol-parse-error";
import {
  isRtpPacket,
  parseRtpHeader,
  readPayloadType,
  readSeq,
  readSsrc,
  readTimestamp,
  rtpPayloadLength,
  rtpPayloadOffset,
  serializeRtpPacket,
  writePayloadType,
  writeSeq,
  writeSsrc,
  writeTimestamp,
} from "./rtp-header";
import { dtmfEventToChar, parseTelephoneEvent, serializeTelephoneEvent } from "./telephone-event";

const vectors = path.join(import.meta.dirname, "__vectors__");
const hexLines = (file: string) =>
  fs
    .readFileSync(path.join(vectors, file), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => Buffer.from(line.trim(), "hex"));

describe("RTP packets from SIPp's g711a.pcap", () => {
  const packets = hexLines("g711a-sipp-first-5.hex");

  it("parse as PCMA with consecutive sequence numbers and 30 ms (240-sample) steps", () => {
    const headers = packets.map(parseRtpHeader);
    expect(headers[0]).toMatchObject({
      version: 2,
      marker: true,
      payloadType: 8,
      sequenceNumber: 0xe6fd,
      timestamp: 0xf0,
      payloadLength: 240,
    });
    for (let i = 1; i < headers.length; i++) {
      expect(headers[i]!.sequenceNumber).toBe((headers[i - 1]!.sequenceNumber + 1) & 0xffff);
      expect(headers[i]!.timestamp - headers[i - 1]!.timestamp).toBe(240);
      expect(headers[i]!.ssrc).toBe(headers[0]!.ssrc);
      expect(headers[i]!.marker).toBe(false);
    }
  });

  it("round-trip through serialize byte for byte", () => {
    for (const packet of packets) {
      const h = parseRtpHeader(packet);
      const rebuilt = serializeRtpPacket({
        ...h,
        payload: packet.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength),
      });
      expect(rebuilt.equals(packet)).toBe(true);
    }
  });

  it("in-place readers and writers agree with the parser and keep the marker bit", () => {
    const packet = Buffer.from(packets[0]!);
    expect([readSeq(packet), readTimestamp(packet), readSsrc(packet), readPayloadType(packet)]).toEqual([
      0xe6fd, 0xf0, 0xdee0ee8f, 8,
    ]);
    writeSeq(packet, 0x1_0001);
    writeTimestamp(packet, 2 ** 32 + 5);
    writeSsrc(packet, 0xcafebabe);
    writePayloadType(packet, 0);
    expect(parseRtpHeader(packet)).toMatchObject({
      sequenceNumber: 1,
      timestamp: 5,
      ssrc: 0xcafebabe,
      payloadType: 0,
      marker: true,
    });
    expect(packet.subarray(12).equals(packets[0]!.subarray(12))).toBe(true);
  });

  it("tells RTP from RTCP on a shared port (RFC 5761)", () => {
    expect(isRtpPacket(packets[0]!)).toBe(true);
    const rtcpReceiverReport = Buffer.from("81c90007deadbeef", "hex");
    expect(isRtpPacket(Buffer.concat([rtcpReceiverReport, Buffer.alloc(24)]))).toBe(false);
    expect(isRtpPacket(Buffer.alloc(4))).toBe(false);
  });
});

describe("RFC 4733 telephone-events from SIPp's dtmf pcaps", () => {
  it("digit 1: a marked start, rising durations, three end packets", () => {
    const packets = hexLines("dtmf-2833-1.hex");
    const headers = packets.map(parseRtpHeader);
    expect(headers[0]).toMatchObject({ payloadType: 101, marker: true });
    const events = packets.map((p, i) => parseTelephoneEvent(p.subarray(headers[i]!.payloadOffset)));
    expect(events.every((e) => e.event === 1 && e.volume === 10)).toBe(true);
    expect(dtmfEventToChar(events[0]!.event)).toBe("1");
    expect(events.slice(-3).every((e) => e.end && e.duration === 2240)).toBe(true);
    expect(events.slice(0, -3).every((e) => !e.end)).toBe(true);
    expect(serializeTelephoneEvent(events[9]!).equals(packets[9]!.subarray(12))).toBe(true);
  });

  it("pound is event 11", () => {
    const [first] = hexLines("dtmf-2833-pound.hex");
    const event = parseTelephoneEvent(first!.subarray(parseRtpHeader(first!).payloadOffset));
    expect(dtmfEventToChar(event.event)).toBe("#");
  });

  it("a short payload is refused", () => {
    expect(() => parseTelephoneEvent(Buffer.from([1, 2]))).toThrow(ProtocolParseError);
  });
});

describe("invalid RTP samples", () => {
  const expected: Record<string, RegExp> = {
    "truncated-header.hex": /shorter than the 12-byte fixed header/,
    "version-1.hex": /version 1, expected 2/,
    "csrc-count-beyond-buffer.hex": /CSRC count 15 runs past the end/,
    "extension-beyond-buffer.hex": /header extension of 9 words runs past the end/,
    "padding-longer-than-payload.hex": /padding count 255 does not fit/,
  };
  const files = fs.readdirSync(path.join(vectors, "invalid")).sort();

  it("has a test for every sample in __vectors__/invalid", () => {
    expect(files).toEqual(Object.keys(expected).sort());
  });

  for (const [file, message] of Object.entries(expected)) {
    it(`refuses ${file}`, () => {
      const [packet] = hexLines(path.join("invalid", file));
      expect(() => parseRtpHeader(packet!)).toThrow(ProtocolParseError);
      expect(() => parseRtpHeader(packet!)).toThrow(message);
      // The allocation-free locators refuse what the parser refuses.
      const offset = rtpPayloadOffset(packet!);
      expect(offset < 0 ? offset : rtpPayloadLength(packet!, offset)).toBe(-1);
    });
  }

  it("are told apart from valid packets by the allocation-free locators as by the parser", () => {
    const sipp = hexLines("g711a-sipp-first-5.hex");
    const valid = [
      ...sipp,
      serializeRtpPacket({
        marker: false,
        payloadType: 0,
        sequenceNumber: 1,
        timestamp: 160,
        ssrc: 7,
        csrcs: [1, 2],
        extension: true,
        extensionProfile: 0xbede,
        extensionData: Buffer.alloc(8, 1),
        payload: Buffer.alloc(160, 0xff),
      }),
    ];
    for (const packet of valid) {
      const header = parseRtpHeader(packet);
      const offset = rtpPayloadOffset(packet);
      expect([offset, rtpPayloadLength(packet, offset)]).toEqual([
        header.payloadOffset,
        header.payloadLength,
      ]);
    }
    // Padding (RFC 3550 §5.1): the last octet counts the octets to ignore, itself included.
    const padded = Buffer.concat([sipp[0]!, Buffer.from([0, 0, 3])]);
    padded[0] = padded[0]! | 0x20;
    expect(rtpPayloadLength(padded, rtpPayloadOffset(padded))).toBe(parseRtpHeader(padded).payloadLength);
  });
});
