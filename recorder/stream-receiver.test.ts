import type { RemoteInfo, Socket } from "node:dgram";
import { quietFor } from "../common/test-support/waiting";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseRtcpCompound, type RtcpPacket, serializeRtcpPacket } from "../protocol/rtp";
import { SiprecRecorder } from "./siprec-recorder";
import { twoPartyMetadata } from "./test-support/siprec-fixtures";
import { bindUdp, closeUdp, collectRtcp, rtpPacket, TestSrc } from "./test-support/siprec-src";

// Ports of this file: SIP 5700–5701, recorder RTP 43000–43019, SRC sockets 43100–43109.
const RECORDER_SIP = 5700;
const SRC_SIP = 5701;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(reportIntervalMs?: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-rr-"));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const recorder = await SiprecRecorder.start({
    sipHost: "127.0.0.1",
    sipPort: RECORDER_SIP,
    tcp: false,
    rtpPortMin: 43000,
    rtpPortMax: 43019,
    recordingsDir: dir,
    reportIntervalMs,
  });
  cleanups.push(() => recorder.close().then(() => undefined));
  const src = await TestSrc.start(SRC_SIP);
  cleanups.push(() => src.close());
  return { recorder, src };
}

async function udp(port: number): Promise<Socket> {
  const socket = await bindUdp(port);
  cleanups.push(() => closeUdp(socket));
  return socket;
}

const SSRC = 0xabcd1234;

function blockOf(report: { packets: RtcpPacket[] }) {
  const rr = report.packets[0];
  if (rr?.type !== "rr" || rr.reports[0] === undefined) throw new Error("not an RR with a block");
  return rr.reports[0];
}

describe("RTCP receiver reports from the recorder (RFC 3550 §6.4.2)", () => {
  it(
    "reports each stream to m= port + 1 as its audio is written, then once a second, with its SSRC, extended highest sequence and losses",
    { timeout: 15_000 },
    async () => {
      const { src } = await setup();
      const rtp = await udp(43100);
      const rtcp = await udp(43101);
      const reports = collectRtcp(rtcp);
      const streams = [{ label: "1", port: 43100, payloadType: 0, encoding: "PCMU" }];
      const recording = await src.record(RECORDER_SIP, streams, twoPartyMetadata(["1", "2"]));
      const port = recording.ports[0]!;

      // 50 packets across the 16-bit wrap, three of them lost on the way.
      const first = 65_520;
      const lost = new Set([10, 11, 30]);
      for (let i = 0; i < 50; i++)
        if (!lost.has(i)) rtp.send(rtpPacket(first + i, 1000 + i * 160, SSRC), port, "127.0.0.1");

      // The lab recorder acknowledges packets once their audio is in the WAV: 50 packets sent at
      // once are one second of audio, written (and reported) over the following second.
      const highest = 65_536 + ((first + 49) & 0xffff);
      const covers = (r: { packets: RtcpPacket[] }) =>
        r.packets[0]?.type === "rr" && r.packets[0].reports[0]?.highestSequence === highest;
      await vi.waitFor(() => expect(reports.filter(covers).length).toBeGreaterThanOrEqual(3), {
        timeout: 5_000,
      });
      const progress = reports.slice(0, reports.findIndex(covers));
      for (const [earlier, later] of progress.map((r, i) => [r, progress[i + 1] ?? reports.find(covers)!]))
        expect(blockOf(later!).highestSequence).toBeGreaterThanOrEqual(blockOf(earlier!).highestSequence);
      // Once all is written, nothing new: reports come on the one-second timer.
      const [, one, two] = reports.filter(covers);
      for (const report of [one!, two!]) {
        expect(report.from.port).toBe(port + 1);
        const [rr, sdes] = report.packets;
        expect(rr).toMatchObject({
          type: "rr",
          reports: [
            {
              ssrc: SSRC,
              highestSequence: 65_536 + ((first + 49) & 0xffff),
              cumulativeLost: 3,
              lastSr: 0,
              delaySinceLastSr: 0,
            },
          ],
        });
        expect(sdes).toMatchObject({ type: "other", packetType: 202 });
      }
      // Nothing new came: the next interval lost nothing.
      expect(two!.packets[0]).toMatchObject({ reports: [{ fractionLost: 0 }] });
      expect(two!.at - one!.at).toBeGreaterThan(800);
      expect(two!.at - one!.at).toBeLessThan(1_300);
    },
  );

  it(
    "follows a=rtcp, sends nothing before the first RTP packet or while paused, latches and echoes SRs",
    { timeout: 15_000 },
    async () => {
      const { src } = await setup(100);
      const rtp = await udp(43102);
      const offered = await udp(43103);
      const latched = await udp(43105);
      const toOffered = collectRtcp(offered);
      const toLatched = collectRtcp(latched);
      const streams = [{ label: "1", port: 43102, payloadType: 0, encoding: "PCMU" }];
      const recording = await src.record(RECORDER_SIP, streams, twoPartyMetadata(["1", "2"]), {
        edit: (sdp) => sdp.media[0]!.attributes.push({ name: "rtcp", value: "43103 IN IP4 127.0.0.1" }),
      });
      const port = recording.ports[0]!;

      await quietFor(400, "nothing is sent before the first RTP packet");
      expect(toOffered).toEqual([]);

      let seq = 1;
      const send = () => rtp.send(rtpPacket(seq, seq * 160, SSRC), port, "127.0.0.1", () => seq++);
      send();
      send();
      await vi.waitFor(() => expect(toOffered.length).toBeGreaterThan(0), { timeout: 2_000 });

      // RTCP from the SRC (here a sender report from another port) moves the reports there.
      const ntp = 0xe6a1_2345_6789_abcdn;
      latched.send(
        serializeRtcpPacket({
          type: "sr",
          ssrc: SSRC,
          ntpTimestamp: ntp,
          rtpTimestamp: 320,
          packetCount: 2,
          octetCount: 320,
          reports: [],
        }),
        port + 1,
        "127.0.0.1",
      );
      await vi.waitFor(
        () =>
          expect(toLatched.at(-1)?.packets[0]).toMatchObject({
            type: "rr",
            reports: [{ ssrc: SSRC, lastSr: Number((ntp >> 16n) & 0xffff_ffffn) }],
          }),
        { timeout: 2_000 },
      );
      const block = toLatched.at(-1)!.packets[0]!;
      if (block.type !== "rr") throw new Error("not an RR");
      // DLSR in 1/65536 s: the SR is at most a few intervals old.
      expect(block.reports[0]!.delaySinceLastSr).toBeGreaterThan(0);
      expect(block.reports[0]!.delaySinceLastSr).toBeLessThan(65_536);
      const offeredCount = toOffered.length;

      expect(await recording.reoffer("inactive")).toBe(200);
      const atPause = toLatched.length;
      await quietFor(500, "no reports while paused, once what was written is told");
      // At most one report may have been on its way when the 200 arrived.
      expect(toLatched.length - atPause).toBeLessThanOrEqual(1);
      expect(toOffered.length).toBe(offeredCount);

      expect(await recording.reoffer("sendonly")).toBe(200);
      send();
      await vi.waitFor(() => expect(toLatched.length - atPause).toBeGreaterThan(2), { timeout: 2_000 });
    },
  );

  it("with a=rtcp-mux, reports from and to the RTP ports (RFC 5761)", { timeout: 10_000 }, async () => {
    const { src } = await setup(100);
    const rtp = await udp(43106);
    const reports = collectRtcpOnly(rtp);
    const streams = [{ label: "1", port: 43106, payloadType: 0, encoding: "PCMU" }];
    const recording = await src.record(RECORDER_SIP, streams, twoPartyMetadata(["1", "2"]), {
      edit: (sdp) => sdp.media[0]!.attributes.push({ name: "rtcp-mux" }),
    });
    const port = recording.ports[0]!;
    expect(recording.answer.media[0]!.attributes.some((a) => a.name === "rtcp-mux")).toBe(true);
    rtp.send(rtpPacket(7, 0, SSRC), port, "127.0.0.1");
    await vi.waitFor(() => expect(reports.length).toBeGreaterThan(0), { timeout: 2_000 });
    expect(reports[0]!.from.port).toBe(port);
    expect(reports[0]!.packets[0]).toMatchObject({
      type: "rr",
      reports: [{ ssrc: SSRC, highestSequence: 7 }],
    });
  });
});

/** The RTCP packets among what `socket` receives (it may get RTP too). */
function collectRtcpOnly(socket: Socket): { packets: RtcpPacket[]; from: RemoteInfo }[] {
  const received: { packets: RtcpPacket[]; from: RemoteInfo }[] = [];
  socket.on("message", (datagram: Buffer, from: RemoteInfo) => {
    if (datagram[1]! >= 192 && datagram[1]! <= 223)
      received.push({ packets: parseRtcpCompound(datagram), from });
  });
  return received;
}
