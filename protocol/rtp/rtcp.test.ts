import { describe, expect, it } from "vitest";
import { ProtocolParseError } from "../protocol-parse-error";
import { parseRtcpCompound, serializeRtcpPacket, type RtcpReportBlock } from "./rtcp";

const report: RtcpReportBlock = {
  ssrc: 0x1234abcd,
  fractionLost: 25,
  cumulativeLost: -3,
  highestSequence: 0x0001_0203,
  jitter: 41,
  lastSr: 0xdeadbeef,
  delaySinceLastSr: 65536,
};

/** An SDES packet with one CNAME chunk (RFC 3550 §6.5), as browsers put after every SR/RR. */
const SDES = Buffer.from(
  "81ca0004" + "1234abcd" + "0108" + Buffer.from("forkline").toString("hex") + "0000",
  "hex",
);

describe("RTCP (RFC 3550 §6.4)", () => {
  it("round-trips a sender report with a report block inside a compound packet with SDES", () => {
    const sr = serializeRtcpPacket({
      type: "sr",
      ssrc: 0xcafebabe,
      ntpTimestamp: 0xe6a1_0000_8000_0000n,
      rtpTimestamp: 160_000,
      packetCount: 1000,
      octetCount: 160_000,
      reports: [report],
    });
    expect(sr.length).toBe(52);
    const [first, second] = parseRtcpCompound(Buffer.concat([sr, SDES]));
    expect(first).toEqual({
      type: "sr",
      ssrc: 0xcafebabe,
      ntpTimestamp: 0xe6a1_0000_8000_0000n,
      rtpTimestamp: 160_000,
      packetCount: 1000,
      octetCount: 160_000,
      reports: [report],
    });
    expect(second).toMatchObject({ type: "other", packetType: 202 });
  });

  it("round-trips a receiver report and a BYE with a reason", () => {
    const rr = serializeRtcpPacket({
      type: "rr",
      ssrc: 7,
      reports: [report, { ...report, ssrc: 8, cumulativeLost: 12 }],
    });
    const bye = serializeRtcpPacket({ type: "bye", sources: [7], reason: "hang up" });
    expect(bye.length % 4).toBe(0);
    expect(parseRtcpCompound(Buffer.concat([rr, bye]))).toEqual([
      { type: "rr", ssrc: 7, reports: [report, { ...report, ssrc: 8, cumulativeLost: 12 }] },
      { type: "bye", sources: [7], reason: "hang up" },
    ]);
  });

  it.each([
    ["version 1", Buffer.from("41c90001" + "00000007", "hex"), /version 1/],
    ["length past the datagram", Buffer.from("81c90007" + "00000007", "hex"), /runs past/],
    ["SR shorter than its report count", Buffer.from("81c80006" + "00".repeat(24), "hex"), /SR shorter/],
    ["truncated header", Buffer.from("80c9", "hex"), /truncated/],
    ["empty", Buffer.alloc(0), /empty/],
  ])("refuses %s", (_name, bytes, reason) => {
    expect(() => parseRtcpCompound(bytes)).toThrow(ProtocolParseError);
    expect(() => parseRtcpCompound(bytes)).toThrow(reason);
  });
});
