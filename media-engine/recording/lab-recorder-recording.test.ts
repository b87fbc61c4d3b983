import { spawn } from "node:child_process";
import { elapse, udpPortBound, waitFor } from "../../common/test-support/waiting";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MsmlEvent } from "../../protocol/msml";
import {
  decodePcmu,
  encodePcmu,
  parseRtpHeader,
  readPayloadType,
  serializeRtpPacket,
  serializeTelephoneEvent,
} from "../../protocol/rtp";
import type { UserAgentCore } from "../../sip-core";
import type { MediaEnginePool } from "../../server/sip/media/media-engine-pool";
import {
  engineController,
  enginePort,
  joinedCall,
  spawnMediaEngine,
  spawnService,
  type SpawnedProcess,
} from "../test-support/engine-harness";
import {
  dominantFrequency,
  dtmfWindows,
  readWav,
  silentRuns,
} from "../../recorder/test-support/audio-analysis";
import { detectDtmf } from "./in-band-dtmf-detector";
import { talk, type UdpPhone } from "../rtp/test-support/udp-phone";
import { sippArgs } from "../../server/test-support/sipp";

const ME_SIP = 5441;
const LAB_SIP = 5443;
const HANG_UP_RECORDER = 5445;
const DEAD_RECORDER = 5449;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-lab-recording-"));
const recordings = path.join(dir, "recordings");

const children: SpawnedProcess[] = [];
const phones: UdpPhone[] = [];
let events: MsmlEvent[] = [];
let ua: UserAgentCore;
let pool: MediaEnginePool;

const named = (dialogId: string, name: string) =>
  events.some((e) => e.id === dialogId && e.name === `forkline.recording.${name}`);

beforeAll(async () => {
  children.push(await spawnMediaEngine({ sip: ME_SIP, http: 5442, rtpMin: 42300, rtpMax: 42399 }));
  children.push(
    await spawnService(
      "recorder/main.ts",
      {
        RECORDER_SIP_PORT: String(LAB_SIP),
        RECORDER_HTTP_PORT: "5444",
        RECORDER_RTP_PORT_MIN: "31100",
        RECORDER_RTP_PORT_MAX: "31199",
        RECORDINGS_DIR: recordings,
      },
      "recorder ready",
    ),
  );
  ({ ua, pool, events } = await engineController(ME_SIP));
}, 60_000);

afterAll(async () => {
  for (const phone of phones) phone.close();
  await ua?.close();
  await Promise.all(children.map((child) => child.stop()));
  fs.rmSync(dir, { recursive: true, force: true });
});

const call = () => joinedCall(pool, phones, "lab");

describe("recording both sides of a call to the lab recorder through the media engine", () => {
  it("fails over to the lab recorder; the WAV has each party's tone on its channel and the 2 s pause as silence", async () => {
    const { a, b, legA, legB } = await call();
    let pauseToResumedMs = 0;
    const stopA = talk(a, enginePort(legA), { hz: 440, codec: "PCMU", ssrc: 0xaaaa });
    const stopB = talk(b, enginePort(legB), { hz: 1000, codec: "PCMU", ssrc: 0xbbbb });
    try {
      const started = await pool.msml(legA, [
        {
          kind: "dialogstart",
          target: legA.connId,
          name: "agent",
          type: "application/moml+xml",
          record: {
            // The first recorder is down: the session must land on the second within the attempt timeout.
            dest: [`sip:srs@127.0.0.1:${DEAD_RECORDER}`, `sip:srs@127.0.0.1:${LAB_SIP}`],
            attemptTimeoutMs: 500,
            recordingId: "lab-rec-1",
            params: { campaign: "spring", case: "4711" },
            participants: [
              {
                conn: legA.connId,
                aor: "sip:1001@forkline",
                name: "Alice Agent",
                dn: "1001",
                agentId: "5001",
                role: "agent",
              },
              { conn: legB.connId, aor: "sip:+15551230001@pstn", role: "customer" },
            ],
          },
        },
      ]);
      const dialogId = started.dialogid!;
      await waitFor(() => named(dialogId, "started"), 5000, "started");
      // Ports of this recorded call: two legs with their own RTCP (these phones do not offer
      // rtcp-mux) and two recording streams that the lab recorder multiplexes (RFC 5761): 6, not 8.
      const metrics = await (await fetch("http://127.0.0.1:5442/metrics")).text();
      expect(Number(/^forkline_media_rtp_ports_in_use (\d+)$/m.exec(metrics)?.[1])).toBe(6);
      expect(events.find((e) => e.id === dialogId && e.name.endsWith("started"))!.fields).toContainEqual({
        name: "recorder",
        value: `sip:srs@127.0.0.1:${LAB_SIP}`,
      });
      await elapse(1000, "1 s of both tones before the pause");
      const pauseSentAt = Date.now();
      await pool.msml(legA, [{ kind: "send", target: dialogId, event: "pause" }]);
      await elapse(2000, "a 2 s pause");
      await pool.msml(legA, [{ kind: "send", target: dialogId, event: "resume" }]);
      await waitFor(() => named(dialogId, "resumed"), 5000, "resumed");
      pauseToResumedMs = Date.now() - pauseSentAt;
      await elapse(1000, "1 s of both tones after the resume");
      await pool.msml(legA, [{ kind: "dialogend", id: dialogId }]);
      await waitFor(() => named(dialogId, "stopped"), 5000, "stopped");
    } finally {
      stopA();
      stopB();
    }
    const json = path.join(recordings, "lab-rec-1.json");
    await waitFor(() => fs.existsSync(json), 5000, "the recording's JSON");
    const meta = JSON.parse(fs.readFileSync(json, "utf8")) as {
      recordingId: string;
      params: Record<string, string>;
      participants: { aor: string; dn?: string; agentId?: string; role?: string; channel: number }[];
      pauses: { startMs: number; endMs: number }[];
    };
    expect(meta.recordingId).toBe("lab-rec-1");
    expect(meta.params).toEqual({ campaign: "spring", case: "4711" });
    const agent = meta.participants.find((p) => p.aor === "sip:1001@forkline")!;
    const customer = meta.participants.find((p) => p.aor === "sip:+15551230001@pstn")!;
    expect(agent).toMatchObject({ dn: "1001", agentId: "5001", role: "agent" });
    expect(customer).toMatchObject({ role: "customer" });
    expect(meta.pauses).toHaveLength(1);
    // The pause as the recorder saw it (from the a=inactive re-INVITE to the a=sendonly one): the
    // test waited 2 s between the two MSML commands; on a busy machine the resume's way to the
    // recorder can take longer than the pause's, never less.
    const pauseMs = meta.pauses[0]!.endMs - meta.pauses[0]!.startMs;
    expect(pauseMs).toBeGreaterThanOrEqual(1900);
    expect(pauseMs).toBeLessThanOrEqual(2600);

    const wav = readWav(path.join(recordings, "lab-rec-1.wav"));
    expect(wav.channels).toBe(2);
    for (const [participant, hz] of [
      [agent, 440],
      [customer, 1000],
    ] as const) {
      const samples = wav.samples[participant.channel]!;
      const runs = silentRuns(samples, 800);
      // One silence in the middle, covering the whole pause the metadata records (nothing of the
      // pause reaches the file; a packet may straddle each edge: 60 ms). It may run on past the
      // pause's end by the two re-INVITEs' way to the recorder, which marks the pause by their
      // arrival, but never past what the test saw: the copy stops no earlier than the pause was
      // sent and starts again no later than the engine's "resumed".
      const middle = runs.filter(([start, end]) => start > 4000 && end < samples.length - 4000);
      expect(middle, `silent runs on channel ${participant.channel}: ${JSON.stringify(runs)}`).toHaveLength(
        1,
      );
      const [start, end] = middle[0]!;
      const silentMs = (end - start) / 8;
      expect(
        silentMs,
        `silence ${silentMs} ms for a pause of ${pauseMs} ms, ${pauseToResumedMs} ms from pause to resumed`,
      ).toBeGreaterThanOrEqual(pauseMs - 60);
      expect(
        silentMs,
        `silence ${silentMs} ms for a pause of ${pauseMs} ms, ${pauseToResumedMs} ms from pause to resumed`,
      ).toBeLessThanOrEqual(pauseToResumedMs + 60);
      expect(dominantFrequency(samples.subarray(0, start), [440, 1000], 8000)).toBe(hz);
      expect(dominantFrequency(samples.subarray(end), [440, 1000], 8000)).toBe(hz);
    }
    await pool.closeLeg(legA);
    await pool.closeLeg(legB);
  }, 60_000);

  it("a customer's keys — in-band tones and RFC 4733 events — reach the agent but never the recording", async () => {
    const { a, b, legA, legB } = await call();
    // The customer (a): 440 Hz voice; key "4" in-band (770 + 1209 Hz) in packets 60–69, starting
    // and ending mid-packet; key "7" as telephone-events (RFC 4733 §2.5) in packets 100–107.
    let seq = 0;
    const sound = (n: number, i: number): number => {
      const t = n * 160 + i;
      const key = (n > 60 || (n === 60 && i >= 70)) && (n < 69 || (n === 69 && i < 90));
      return key
        ? 6000 * Math.sin((2 * Math.PI * 770 * t) / 8000) + 6000 * Math.sin((2 * Math.PI * 1209 * t) / 8000)
        : 5000 * Math.sin((2 * Math.PI * 440 * t) / 8000);
    };
    const sentEvents: number[] = [];
    const timer = setInterval(() => {
      const n = seq++;
      const header = { csrcs: [], extension: false, ssrc: 0xcccc, sequenceNumber: n & 0xffff };
      let packet: Buffer;
      if (n >= 100 && n < 108) {
        const end = n === 107;
        packet = serializeRtpPacket({
          ...header,
          marker: n === 100,
          payloadType: 101,
          timestamp: 100 * 160,
          payload: serializeTelephoneEvent({ event: 7, end, volume: 10, duration: (n - 99) * 160 }),
        });
        sentEvents.push(n);
      } else {
        const samples = Int16Array.from({ length: 160 }, (_, i) => Math.round(sound(n, i)));
        packet = serializeRtpPacket({
          ...header,
          marker: n === 0,
          payloadType: 0,
          timestamp: n * 160,
          payload: encodePcmu(samples),
        });
      }
      void a.send(packet, enginePort(legA));
    }, 20);
    // The agent speaks at 300 Hz, well below the DTMF band: any key found is the customer's.
    const stopB = talk(b, enginePort(legB), { hz: 300, codec: "PCMU", ssrc: 0xdddd });
    try {
      const started = await pool.msml(legA, [
        {
          kind: "dialogstart",
          target: legA.connId,
          name: "keys",
          type: "application/moml+xml",
          record: { dest: [`sip:srs@127.0.0.1:${LAB_SIP}`], recordingId: "lab-keys", params: {} },
        },
      ]);
      const dialogId = started.dialogid!;
      // Recording runs before the customer's first key.
      await waitFor(() => named(dialogId, "started"), 5000, "started");
      const startedAtSeq = seq;
      expect(startedAtSeq).toBeLessThan(55);
      await waitFor(() => seq >= 140, 10_000, "the customer's keys");
      await pool.msml(legA, [{ kind: "dialogend", id: dialogId }]);
      await waitFor(() => named(dialogId, "stopped"), 5000, "stopped");
    } finally {
      clearInterval(timer);
      stopB();
    }
    // The agent (b) received both keys: the events as sent, and the tones in the audio.
    const toB = b.received.filter((p) => p.length >= 12);
    expect(toB.filter((p) => readPayloadType(p) === 101)).toHaveLength(sentEvents.length);
    const heard = toB
      .filter((p) => readPayloadType(p) === 0)
      .map((p) => {
        const h = parseRtpHeader(p);
        const samples = new Int16Array(h.payloadLength);
        decodePcmu(p.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength), samples);
        return detectDtmf(samples);
      });
    expect(heard.filter((key) => key === "4").length).toBeGreaterThanOrEqual(7);

    // The recording has the customer's voice and no key: no 20 ms window, at any 1 ms step.
    const json = path.join(recordings, "lab-keys.json");
    await waitFor(() => fs.existsSync(json), 5000, "the recording's JSON");
    await waitFor(
      () => (JSON.parse(fs.readFileSync(json, "utf8")) as { state: string }).state === "finished",
      5000,
      "the recording to finish",
    );
    const wav = readWav(path.join(recordings, "lab-keys.wav"));
    const customer = wav.samples[0]!;
    expect(dominantFrequency(customer, [300, 440], 8000)).toBe(440);
    // Checked with a plain Goertzel of its own, not the engine's detector: a window holds a key
    // when a row and a column frequency are both present above -35 dBm0 (amplitude 400; the
    // keys were sent at 6000, the 440 Hz voice leaks under 200 into the DTMF band).
    expect(dtmfWindows(wav).join(", ")).toBe("");
    await pool.closeLeg(legA);
    await pool.closeLeg(legB);
  }, 60_000);

  it("a recorder that hangs up mid-call interrupts the recording, leaves the call untouched, and the recording fails with the call", async () => {
    const sipp = new Promise<number | null>((resolve) => {
      const child = spawn(
        "sipp",
        sippArgs({
          scenario: path.join(import.meta.dirname, "__scenarios__/siprec-recorder-hangs-up.xml"),
          port: HANG_UP_RECORDER,
          mediaPort: 32300,
          timeout: "20s",
          // The engine probes its recorders with in-dialog OPTIONS every 2 s: SIPp answers them 200.
          autoAnswer: true,
        }),
      );
      child.once("exit", resolve);
    });
    await waitFor(() => udpPortBound(HANG_UP_RECORDER), 10_000, "SIPp to listen");
    const { a, b, legA, legB } = await call();
    const started = await pool.msml(legA, [
      {
        kind: "dialogstart",
        target: legA.connId,
        name: "flaky",
        type: "application/moml+xml",
        record: { dest: [`sip:srs@127.0.0.1:${HANG_UP_RECORDER}`], params: {} },
      },
    ]);
    await waitFor(() => named(started.dialogid!, "started"), 5000, "started");
    await waitFor(
      () => named(started.dialogid!, "interrupted"),
      5000,
      "interrupted after the recorder's BYE",
    );
    const interrupted = events.find((e) => e.id === started.dialogid && e.name.endsWith("interrupted"))!;
    expect(interrupted.fields.find((f) => f.name === "reason")?.value).toMatch(/BYE/);
    expect(await sipp).toBe(0);
    const before = b.received.length;
    await a.send(
      serializeRtpPacket({
        marker: false,
        payloadType: 0,
        sequenceNumber: 1,
        timestamp: 160,
        ssrc: 1,
        csrcs: [],
        extension: false,
        payload: Buffer.alloc(160, 0xff),
      }),
      enginePort(legA),
    );
    await waitFor(() => b.received.length === before + 1, 2000, "the call's media after the recorder left");
    expect(named(started.dialogid!, "failed")).toBe(false);
    await pool.closeLeg(legA);
    await pool.closeLeg(legB);
  }, 30_000);
});
