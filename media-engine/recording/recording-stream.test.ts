import dgram from "node:dgram";
import { quietFor } from "../../common/test-support/waiting";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PortPool } from "../../common/rtp-port-pool";
import {
  parseRtcpCompound,
  readSsrc,
  serializeRtcpPacket,
  serializeRtpPacket,
  type RtcpPacket,
} from "../../protocol/rtp";
import { ntpTimestamp } from "./recording-segment";
import { RecordingStream } from "./recording-stream";

const NTP_UNIX_OFFSET = 2_208_988_800;
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

async function socket(): Promise<dgram.Socket> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => s.bind(0, "127.0.0.1", resolve));
  closers.push(() => s.close());
  return s;
}

function packet(i: number): Buffer {
  return serializeRtpPacket({
    marker: i === 0,
    payloadType: 8,
    sequenceNumber: 1000 + i,
    timestamp: 50_000 + i * 160,
    ssrc: 0x1234,
    csrcs: [],
    extension: false,
    payload: Buffer.alloc(160, 0xd5),
  });
}

describe("ntpTimestamp (RFC 3550 §4)", () => {
  it("counts seconds from 1900 in the high word and the fraction of a second in the low one", () => {
    expect(ntpTimestamp(0)).toBe(BigInt(NTP_UNIX_OFFSET) << 32n);
    expect(ntpTimestamp(1_500)).toBe((BigInt(NTP_UNIX_OFFSET + 1) << 32n) | 0x8000_0000n);
    expect(ntpTimestamp(1_764_672_000_250) & 0xffff_ffffn).toBe(0x4000_0000n);
  });
});

describe("RecordingStream sender reports", () => {
  it("sends the recorder an SR with its SSRC, counts and a timestamp on the stream's clock, plus a CNAME", async () => {
    const recorderRtp = await socket();
    const recorderRtcp = await socket();
    const rtp: Buffer[] = [];
    const rtcp: { at: number; packets: RtcpPacket[] }[] = [];
    recorderRtp.on("message", (m) => rtp.push(m));
    recorderRtcp.on("message", (m) => rtcp.push({ at: Date.now(), packets: parseRtcpCompound(m) }));
    const stream = await RecordingStream.open(new PortPool(0, 0), "127.0.0.1");
    closers.push(() => stream.close());
    await stream.begin(
      { address: "127.0.0.1", port: recorderRtp.address().port, rtcpPort: recorderRtcp.address().port },
      8_000,
    );
    for (let i = 0; i < 10; i++) stream.forward(packet(i));
    const lastSentAt = Date.now();
    await vi.waitFor(() => expect(rtcp).toHaveLength(1), { timeout: 3_000, interval: 20 });
    await vi.waitFor(() => expect(rtp).toHaveLength(10));

    const [sr, sdes] = rtcp[0]!.packets;
    expect(sr).toMatchObject({
      type: "sr",
      ssrc: readSsrc(rtp[0]!),
      packetCount: 10,
      octetCount: 1_600,
      reports: [],
    });
    expect(sdes).toMatchObject({ type: "other", packetType: 202 });
    if (sr?.type !== "sr") throw new Error("not an SR");
    // The NTP time is when the SR left; its RTP timestamp is the last packet's moved on by the time since.
    const ntpMs = Number(sr.ntpTimestamp >> 32n) * 1000 - NTP_UNIX_OFFSET * 1000;
    expect(Math.abs(ntpMs - rtcp[0]!.at)).toBeLessThanOrEqual(1_000);
    const expected = 50_000 + 9 * 160 + ((rtcp[0]!.at - lastSentAt) * 8_000) / 1000;
    expect(Math.abs(sr.rtpTimestamp - expected)).toBeLessThanOrEqual(8 * 60);
    expect(stream.senderReports).toBe(1);
  });

  it("sends nothing before the first packet of a segment", async () => {
    const recorderRtcp = await socket();
    const reports: Buffer[] = [];
    recorderRtcp.on("message", (m) => reports.push(m));
    const stream = await RecordingStream.open(new PortPool(0, 0), "127.0.0.1");
    closers.push(() => stream.close());
    await stream.begin({ address: "127.0.0.1", port: 9, rtcpPort: recorderRtcp.address().port });
    await quietFor(1_300, "one report interval and a little: the timer fired and found nothing sent");
    expect(reports).toHaveLength(0);
    expect(stream.senderReports).toBe(0);
  });
});

describe("RecordingStream with RTCP multiplexed (RFC 5761)", () => {
  it("holds one port once the recorder answers a=rtcp-mux: its SRs go to the RTP port, its receiver reports are read there; a later recorder without mux gets the RTCP port back", async () => {
    const pool = new PortPool(40_980, 40_989);
    const recorder = await socket();
    const srs: RtcpPacket[] = [];
    recorder.on("message", (m) => {
      if (m[1]! >= 200 && m[1]! <= 204) srs.push(...parseRtcpCompound(m));
    });
    const stream = await RecordingStream.open(pool, "127.0.0.1");
    closers.push(() => stream.close());
    expect(pool.inUse).toBe(2);
    const port = recorder.address().port;
    await stream.begin({ address: "127.0.0.1", port, rtcpPort: port, rtcpMux: true });
    expect(stream.portsHeld).toBe(1);
    expect(pool.inUse).toBe(1);
    for (let i = 0; i < 5; i++) stream.forward(packet(i));
    await vi.waitFor(() => expect(srs.some((p) => p.type === "sr")).toBe(true), { timeout: 3_000 });
    // The recorder reports to where the RTP comes from: the stream's one port.
    let reports = 0;
    stream.onReport = () => reports++;
    const ssrc = (srs.find((p) => p.type === "sr") as { ssrc: number }).ssrc;
    const rr = serializeRtcpPacket({
      type: "rr",
      ssrc: 99,
      reports: [
        {
          ssrc,
          fractionLost: 0,
          cumulativeLost: 0,
          highestSequence: 0,
          jitter: 0,
          lastSr: 0,
          delaySinceLastSr: 0,
        },
      ],
    });
    recorder.send(rr, stream.localPort, "127.0.0.1");
    await vi.waitFor(() => expect(reports).toBe(1));

    // Failover to a recorder that does not multiplex: the RTCP port is taken back (it was free).
    const next = await socket();
    const nextRtcp = await socket();
    const nextSrs: RtcpPacket[] = [];
    nextRtcp.on("message", (m) => nextSrs.push(...parseRtcpCompound(m)));
    await stream.begin({
      address: "127.0.0.1",
      port: next.address().port,
      rtcpPort: nextRtcp.address().port,
    });
    expect(stream.portsHeld).toBe(2);
    expect(pool.inUse).toBe(2);
    for (let i = 0; i < 5; i++) stream.forward(packet(i));
    await vi.waitFor(() => expect(nextSrs.some((p) => p.type === "sr")).toBe(true), { timeout: 3_000 });
    stream.close();
    expect(pool.inUse).toBe(0);
  });
});
