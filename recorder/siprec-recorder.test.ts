import { createSocket, type Socket } from "node:dgram";
import { elapse, waitFor, within } from "../common/test-support/waiting";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { encodePcma, encodePcmu, serializeRtpPacket } from "../protocol/rtp";
import { parseSdp, serializeSdp, type SdpDirection } from "../protocol/sdp";
import type { SipResponse } from "../protocol/sip";
import { Dialog, TcpTransport, UdpTransport, UserAgentCore } from "../sip-core";
import { startRecorderHttp } from "./recorder-http";
import type { RecordingSummary } from "./srs-recording";
import { SiprecRecorder } from "./siprec-recorder";
import { dominantFrequency, readWav, silentRuns, tone } from "./test-support/audio-analysis";
import { offerSdp, siprecBody, twoPartyMetadata, type FixtureStream } from "./test-support/siprec-fixtures";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-recorder-"));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function startRecorder(dir: string, rtpTimeoutMs?: number): Promise<SiprecRecorder> {
  const recorder = await SiprecRecorder.start({
    sipHost: "127.0.0.1",
    sipPort: 0,
    rtpPortMin: 0,
    rtpPortMax: 0,
    recordingsDir: dir,
    tickMs: 50,
    rtpTimeoutMs,
  });
  cleanups.push(() => recorder.close().then(() => undefined));
  return recorder;
}

async function startSrc(errors: unknown[]): Promise<{ ua: UserAgentCore; port: number }> {
  const transport = new UdpTransport({ host: "127.0.0.1", port: 0 });
  const ua = new UserAgentCore({
    delegate: { handlers: { BYE: (r) => void r.reply(200) }, onError: (e) => errors.push(e) },
  });
  await ua.addTransport(transport);
  cleanups.push(() => ua.close());
  return { ua, port: transport.localAddress.port };
}

async function rtpSocket(): Promise<Socket> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return socket;
}

interface RtpSender {
  readonly socket: Socket;
  readonly port: number;
  readonly payloadType: number;
  readonly encode: (samples: Int16Array) => Buffer;
  readonly frequency: number;
  readonly ssrc: number;
  seq: number;
  timestamp: number;
  sample: number;
}

/** Sends `ms` of the sender's tone in 20 ms packets, paced by the wall clock. */
async function sendTone(sender: RtpSender, ms: number): Promise<void> {
  const start = performance.now();
  for (let i = 0; i < ms / 20; i++) {
    const wait = start + i * 20 - performance.now();
    if (wait > 0) await elapse(wait, "RTP paced 20 ms apart, as a phone sends it");
    const payload = sender.encode(tone(sender.frequency, 160, sender.sample));
    const packet = serializeRtpPacket({
      marker: i === 0,
      payloadType: sender.payloadType,
      sequenceNumber: sender.seq,
      timestamp: sender.timestamp,
      ssrc: sender.ssrc,
      csrcs: [],
      extension: false,
      payload,
    });
    sender.socket.send(packet, sender.port, "127.0.0.1");
    sender.seq = (sender.seq + 1) & 0xffff;
    sender.timestamp = (sender.timestamp + 160) >>> 0;
    sender.sample += 160;
  }
}

describe("SiprecRecorder over UDP on 127.0.0.1", () => {
  it(
    "records two labelled streams into one channel per participant, with the pause as silence",
    { timeout: 20_000 },
    async () => {
      const dir = tempDir();
      const recorder = await startRecorder(dir);
      const errors: unknown[] = [];
      const src = await startSrc(errors);
      const rtpA = await rtpSocket();
      const rtpB = await rtpSocket();
      const streams: FixtureStream[] = [
        { label: "1", port: rtpA.address().port, payloadType: 0, encoding: "PCMU" },
        { label: "2", port: rtpB.address().port, payloadType: 8, encoding: "PCMA" },
      ];
      const target = `sip:recorder@127.0.0.1:${recorder.udpPort}`;
      const { body, contentType } = siprecBody(offerSdp(streams, "sendonly"), twoPartyMetadata(["1", "2"]));
      const invite = src.ua.createRequest("INVITE", target, {
        from: "<sip:src@127.0.0.1>",
        to: `<${target}>`,
        contact: `<sip:src@127.0.0.1:${src.port}>;+sip.src`,
        headers: { Require: "siprec" },
        body,
        contentType,
      });
      const response = await within(src.ua.send(invite), 5_000, "the 200 to the INVITE");
      expect(response.status).toBe(200);
      const answer = parseSdp(response.body);
      expect(answer.media.map((m) => m.attributes.find((a) => a.name === "recvonly") !== undefined)).toEqual([
        true,
        true,
      ]);
      expect(answer.media.map((m) => m.formats)).toEqual([["0"], ["8"]]);
      expect(answer.connection?.address).toBe("127.0.0.1");
      const [portA, portB] = answer.media.map((m) => m.port);
      const dialog = Dialog.createAsUac(invite, response);
      await src.ua.ack(dialog, response);

      const reoffer = async (direction: SdpDirection, version: number): Promise<SipResponse> => {
        const sdp = Buffer.from(serializeSdp(offerSdp(streams, direction, version)));
        const request = dialog.createRequest("INVITE", { body: sdp, contentType: "application/sdp" });
        const answered = await within(
          src.ua.sendInDialog(dialog, request),
          5_000,
          `the re-INVITE (${direction})`,
        );
        expect(answered.status).toBe(200);
        await src.ua.ack(dialog, answered);
        return answered;
      };

      const a: RtpSender = {
        socket: rtpA,
        port: portA!,
        payloadType: 0,
        encode: encodePcmu,
        frequency: 440,
        ssrc: 0x1111,
        seq: 100,
        timestamp: 5000,
        sample: 0,
      };
      const b: RtpSender = {
        socket: rtpB,
        port: portB!,
        payloadType: 8,
        encode: encodePcma,
        frequency: 1000,
        ssrc: 0x2222,
        seq: 60000,
        timestamp: 0xffff_f000,
        sample: 0,
      };
      // Garbage on an RTP port is ignored without harm.
      rtpA.send(Buffer.from("not rtp at all"), portA!, "127.0.0.1");
      rtpA.send(Buffer.from([0x80, 0x00, 0x00]), portA!, "127.0.0.1");
      await Promise.all([sendTone(a, 1000), sendTone(b, 1000)]);
      await elapse(20, "one packet time: the last packets are read before the re-INVITE, as on a wire");

      const paused = await reoffer("inactive", 2);
      expect(
        parseSdp(paused.body).media.map((m) => [m.port, m.attributes.some((x) => x.name === "inactive")]),
      ).toEqual([
        [portA, true],
        [portB, true],
      ]);
      await elapse(500, "a 500 ms pause");
      const resumed = await reoffer("sendonly", 3);
      expect(parseSdp(resumed.body).media.map((m) => m.port)).toEqual([portA, portB]);
      expect(Number(parseSdp(resumed.body).origin.sessionVersion)).toBe(
        Number(answer.origin.sessionVersion) + 2,
      );
      // Timestamps carry on as if no time had passed: the recorder must place the audio by arrival.
      await Promise.all([sendTone(a, 500), sendTone(b, 500)]);
      await elapse(20, "one packet time: the last packets are read before the BYE, as on a wire");

      const bye = await within(
        src.ua.sendInDialog(dialog, dialog.createRequest("BYE")),
        5_000,
        "the 200 to BYE",
      );
      expect(bye.status).toBe(200);
      expect(recorder.activeRecordings).toBe(0);

      const wav = readWav(path.join(dir, "rec-42.wav"));
      expect(wav).toMatchObject({ channels: 2, sampleRate: 8000, bitsPerSample: 16 });
      expect(wav.riffSize).toBe(36 + wav.dataSize);
      expect(fs.statSync(path.join(dir, "rec-42.wav")).size).toBe(44 + wav.dataSize);
      const summary = JSON.parse(fs.readFileSync(path.join(dir, "rec-42.json"), "utf8")) as RecordingSummary;
      const seconds = wav.samples[0]!.length / 8000;
      expect(seconds).toBeGreaterThan(1.8);
      expect(Math.abs(seconds * 1000 - summary.durationMs)).toBeLessThan(200);

      for (const [channel, frequency] of [
        [0, 440],
        [1, 1000],
      ] as const) {
        const samples = wav.samples[channel]!;
        const gaps = silentRuns(samples, 8000 * 0.3);
        // Leading silence (before the first packet) is short; the pause is the one long gap inside.
        const inner = gaps.filter(([start, end]) => start > 4000 && end < samples.length - 400);
        expect(inner, `channel ${channel} gaps ${JSON.stringify(gaps)}`).toHaveLength(1);
        const [gapStart, gapEnd] = inner[0]!;
        expect(
          Math.abs((gapEnd - gapStart) / 8 - 500),
          `channel ${channel} pause length`,
        ).toBeLessThanOrEqual(100);
        // About 1 s of tone before the pause and 0.5 s after it, in the right frequency.
        expect(Math.abs(gapStart - 8000 - firstSound(samples))).toBeLessThan(400);
        const before = samples.subarray(gapStart - 6000, gapStart - 400);
        const after = samples.subarray(gapEnd + 400, gapEnd + 3600);
        for (const part of [before, after]) {
          expect(dominantFrequency(part, [440, 1000, 2000, 300], 8000)).toBe(frequency);
        }
      }

      expect(summary).toMatchObject({
        recordingId: "rec-42",
        sessionId: "hVpd7YQgRW2nD22h7q60JQ==",
        callId: "call-abc@pbx",
        sipCallId: invite.headers.get("Call-ID"),
        endReason: "bye",
        channels: 2,
        params: { case: "42", queue: "sales" },
        participants: [
          {
            aor: "sip:alice@example.com",
            name: "Alice",
            dn: "1001",
            agentId: "agent-7",
            role: "agent",
            channel: 0,
          },
          { aor: "sip:bob@example.net", name: "Bob", role: "customer", channel: 1 },
        ],
        streams: [
          { label: "1", codec: "PCMU", channel: 0, packets: 75 },
          { label: "2", codec: "PCMA", channel: 1, packets: 75 },
        ],
      });
      expect(summary.metadata).toContain("sip:alice@example.com");
      expect(summary.pauses).toHaveLength(1);
      const pause = summary.pauses[0]!;
      expect(Math.abs(pause.endMs - pause.startMs - 500)).toBeLessThanOrEqual(100);
      expect(pause.startMs).toBeGreaterThan(900);
      expect(new Date(summary.endedAt).getTime() - new Date(summary.startedAt).getTime()).toBe(
        summary.durationMs,
      );
      expect(errors).toEqual([]);

      // The HTTP side lists the recording with its metadata and serves the WAV.
      const http = await startRecorderHttp({ host: "127.0.0.1", port: 0, recordingsDir: dir });
      cleanups.push(() => http.close());
      const base = `http://127.0.0.1:${http.port}`;
      const list = (await (await fetch(`${base}/recordings`)).json()) as {
        id: string;
        metadata: RecordingSummary;
      }[];
      expect(list.map((r) => [r.id, r.metadata.recordingId])).toEqual([["rec-42", "rec-42"]]);
      const download = await fetch(`${base}/recordings/rec-42.wav`);
      expect(download.status).toBe(200);
      expect(download.headers.get("content-type")).toBe("audio/wav");
      expect(
        Buffer.from(await download.arrayBuffer()).equals(fs.readFileSync(path.join(dir, "rec-42.wav"))),
      ).toBe(true);
    },
  );

  it("refuses a plain INVITE with a 4xx and writes nothing", { timeout: 10_000 }, async () => {
    const dir = tempDir();
    const recorder = await startRecorder(dir);
    const src = await startSrc([]);
    const sdp = offerSdp([{ label: "1", port: 40000, payloadType: 0, encoding: "PCMU" }], "sendrecv");
    const target = `sip:recorder@127.0.0.1:${recorder.udpPort}`;
    const invite = src.ua.createRequest("INVITE", target, {
      from: "<sip:alice@127.0.0.1>",
      to: `<${target}>`,
      contact: `<sip:alice@127.0.0.1:${src.port}>`,
      body: serializeSdp(sdp),
      contentType: "application/sdp",
    });
    const response = await within(src.ua.send(invite), 5_000, "the answer to a plain INVITE");
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.reason).toMatch(/^Not a SIPREC session/);
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(recorder.activeRecordings).toBe(0);
  });

  it(
    "finalizes a recording whose SRC goes silent, and open ones at shutdown",
    { timeout: 10_000 },
    async () => {
      const dir = tempDir();
      const recorder = await startRecorder(dir, 300);
      const src = await startSrc([]);
      const target = `sip:recorder@127.0.0.1:${recorder.udpPort}`;
      const start = async (recordingId: string) => {
        const { body, contentType } = siprecBody(
          offerSdp(
            [
              { label: "1", port: 40000, payloadType: 0, encoding: "PCMU" },
              { label: "2", port: 40002, payloadType: 8, encoding: "PCMA" },
            ],
            "sendonly",
          ),
          twoPartyMetadata(["1", "2"], recordingId),
        );
        const invite = src.ua.createRequest("INVITE", target, {
          from: "<sip:src@127.0.0.1>",
          to: `<${target}>`,
          contact: `<sip:src@127.0.0.1:${src.port}>;+sip.src`,
          headers: { Require: "siprec" },
          body,
          contentType,
        });
        const response = await within(src.ua.send(invite), 5_000, "the 200 to the INVITE");
        await src.ua.ack(Dialog.createAsUac(invite, response), response);
      };
      await start("silent");
      await waitFor(() => recorder.activeRecordings === 0, 3_000, "the silent recording to end", 50);
      const silent = JSON.parse(fs.readFileSync(path.join(dir, "silent.json"), "utf8")) as RecordingSummary;
      expect(silent.endReason).toBe("rtp-timeout");

      await start("open");
      expect(recorder.activeRecordings).toBe(1);
      const finished = await recorder.close();
      expect(finished.map((s) => [s.recordingId, s.endReason])).toEqual([["open", "shutdown"]]);
      expect(readWav(path.join(dir, "open.wav")).channels).toBe(2);
    },
  );

  it("answers OPTIONS over TCP with its capabilities", { timeout: 10_000 }, async () => {
    const recorder = await startRecorder(tempDir());
    const transport = new TcpTransport({ host: "127.0.0.1", port: 0 });
    const ua = new UserAgentCore({ delegate: { handlers: {}, onError: () => undefined } });
    await ua.addTransport(transport);
    cleanups.push(() => ua.close());
    const target = `sip:recorder@127.0.0.1:${recorder.tcpPort};transport=tcp`;
    const options = ua.createRequest("OPTIONS", target, { from: "<sip:probe@127.0.0.1>", to: `<${target}>` });
    const response = await within(
      ua.send(options, { destination: { transport: "TCP", host: "127.0.0.1", port: recorder.tcpPort! } }),
      5_000,
      "the OPTIONS response",
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("Supported")).toBe("siprec");
    expect(response.headers.get("Allow")).toContain("INVITE");
  });
});

function firstSound(samples: Int16Array): number {
  return samples.findIndex((s) => Math.abs(s) >= 64);
}
