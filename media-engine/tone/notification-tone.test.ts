import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MsmlEvent, MsmlPlay } from "../../protocol/msml";
import { parseRtpHeader } from "../../protocol/rtp";
import type { UserAgentCore } from "../../sip-core";
import type { MediaEnginePool, MediaLegHandle } from "../../server/sip/media/media-engine-pool";
import {
  engineController,
  enginePort,
  joinedCall,
  recordLeg,
  spawnMediaEngine,
  spawnService,
  type SpawnedProcess,
} from "../test-support/engine-harness";
import { waitFor } from "../../common/test-support/waiting";
import { talk, type UdpPhone } from "../rtp/test-support/udp-phone";
import { toneRuns } from "./test-support/tone-runs";

// The real media engine and lab recorder processes: a call's party must hear the recording
// notification tone (1400 Hz, 500 ms) in the RTP it receives, when the recording starts and
// resumes, every interval while it records, and never while it is paused.
const ME_SIP = 37211;
const LAB_SIP = 37213;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-tone-"));

const children: SpawnedProcess[] = [];
const phones: UdpPhone[] = [];
let events: MsmlEvent[] = [];
let ua: UserAgentCore;
let pool: MediaEnginePool;

beforeAll(async () => {
  children.push(await spawnMediaEngine({ sip: ME_SIP, http: 37212, rtpMin: 38200, rtpMax: 38299 }));
  children.push(
    await spawnService(
      "recorder/main.ts",
      {
        RECORDER_SIP_PORT: String(LAB_SIP),
        RECORDER_HTTP_PORT: "37214",
        RECORDER_RTP_PORT_MIN: "38300",
        RECORDER_RTP_PORT_MAX: "38399",
        RECORDINGS_DIR: path.join(dir, "recordings"),
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

const TONE = { frequencyHz: 1400, durationMs: 500 } as const;
/** 500 ms of 20 ms packets. */
const TONE_PACKETS = 25;

/** When the engine's `forkline.recording.<name>` event for the dialog arrived (the n-th of that name). */
async function reported(dialogId: string, name: string, nth = 1): Promise<number> {
  const count = () =>
    events.filter((e) => e.id === dialogId && e.name === `forkline.recording.${name}`).length;
  await waitFor(() => count() >= nth, 5000, name);
  return Date.now();
}

/** Waits until the phone has received `count` more packets (the relayed voice keeps coming). */
async function hear(phone: UdpPhone, count: number): Promise<void> {
  const target = phone.received.length + count;
  await waitFor(() => phone.received.length >= target, 10_000, `${count} packets`);
}

async function playTone(leg: MediaLegHandle, play: Partial<MsmlPlay>): Promise<string> {
  const result = await pool.msml(leg, [
    { kind: "dialogstart", target: leg.connId, type: "application/moml+xml", play: { tone: TONE, ...play } },
  ]);
  expect(result.response, result.description).toBe(200);
  return result.dialogid!;
}

/** A recorded call: the agent (a, recorded leg) hears the customer's 440 Hz voice, b hears a's 1000 Hz. */
async function recordedCall(name: string) {
  const { a, b, legA, legB } = await joinedCall(pool, phones, name);
  const stops = [
    talk(a, enginePort(legA), { hz: 1000, codec: "PCMU", ssrc: 0xaaaa }),
    talk(b, enginePort(legB), { hz: 440, codec: "PCMU", ssrc: 0xbbbb }),
  ];
  const dialogId = await recordLeg(
    pool,
    legA,
    { dest: [`sip:srs@127.0.0.1:${LAB_SIP}`], recordingId: name },
    legB,
  );
  const startedAt = await reported(dialogId, "started");
  return { a, b, legA, legB, dialogId, startedAt, hangUp: () => stops.forEach((stop) => stop()) };
}

describe("recording notification tone (MSML <play>) in the RTP a party receives", () => {
  it("the agent hears 500 ms of 1400 Hz when the recording starts and when it resumes, in one unbroken stream", async () => {
    const { a, b, legA, legB, dialogId, startedAt, hangUp } = await recordedCall("tone-start");
    try {
      // As the SIP Server does: the tone is asked for once the engine reports the recording started.
      await playTone(legA, { whileRecording: dialogId });
      await hear(a, 60);
      await pool.msml(legA, [{ kind: "send", target: dialogId, event: "pause" }]);
      await reported(dialogId, "paused");
      await hear(a, 25);
      await pool.msml(legA, [{ kind: "send", target: dialogId, event: "resume" }]);
      const resumedAt = await reported(dialogId, "resumed");
      await playTone(legA, { whileRecording: dialogId });
      await hear(a, 60);

      const runs = toneRuns(a);
      expect(runs.map((r) => r.packets)).toEqual([TONE_PACKETS, TONE_PACKETS]);
      // Within 300 ms of the engine's report (the MSML round trip and the next relayed packet).
      expect(runs[0]!.at - startedAt).toBeGreaterThanOrEqual(0);
      expect(runs[0]!.at - startedAt).toBeLessThan(300);
      expect(runs[1]!.at - resumedAt).toBeGreaterThanOrEqual(0);
      expect(runs[1]!.at - resumedAt).toBeLessThan(300);
      // The tone replaced the customer's packets in place: one SSRC, no sequence or timestamp gap.
      const headers = a.received.map(parseRtpHeader);
      expect(new Set(headers.map((h) => h.ssrc))).toEqual(new Set([0xbbbb]));
      for (let i = 1; i < headers.length; i++) {
        expect((headers[i]!.sequenceNumber - headers[i - 1]!.sequenceNumber) & 0xffff).toBe(1);
        expect((headers[i]!.timestamp - headers[i - 1]!.timestamp) >>> 0).toBe(160);
      }
      // Only the target party hears it.
      expect(toneRuns(b)).toEqual([]);
    } finally {
      hangUp();
    }
    await pool.msml(legA, [{ kind: "dialogend", id: dialogId }]);
    await reported(dialogId, "stopped");
    await pool.closeLeg(legA);
    await pool.closeLeg(legB);
  }, 60_000);

  it("repeats every interval while recording; a pause cancels the pending repeat, and a stop too", async () => {
    const { a, b, legA, legB, dialogId, hangUp } = await recordedCall("tone-repeat");
    try {
      await playTone(legB, { iterations: "forever", intervalMs: 1000, whileRecording: dialogId });
      await waitFor(() => toneRuns(b).length >= 3, 10_000, "three tones");
      await pool.msml(legA, [{ kind: "send", target: dialogId, event: "pause" }]);
      const pausedAt = await reported(dialogId, "paused");
      // Two intervals' worth of packets after the pause: no repeat may sound in them.
      await hear(b, 110);
      const runs = toneRuns(b);
      expect(runs.filter((r) => r.at > pausedAt)).toEqual([]);
      const starts = runs.map((r) => r.at);
      for (let i = 1; i < starts.length; i++) {
        expect(starts[i]! - starts[i - 1]!).toBeGreaterThan(800);
        expect(starts[i]! - starts[i - 1]!).toBeLessThan(1200);
      }
      // Resumed, a new play (the server's) repeats again until the recording stops.
      await pool.msml(legA, [{ kind: "send", target: dialogId, event: "resume" }]);
      await reported(dialogId, "resumed");
      const before = runs.length;
      await playTone(legB, { iterations: "forever", intervalMs: 1000, whileRecording: dialogId });
      await waitFor(() => toneRuns(b).length >= before + 2, 10_000, "two more tones");
      await pool.msml(legA, [{ kind: "dialogend", id: dialogId }]);
      const stoppedAt = await reported(dialogId, "stopped");
      await hear(b, 110);
      expect(toneRuns(b).filter((r) => r.at > stoppedAt)).toEqual([]);
      expect(toneRuns(a)).toEqual([]);
    } finally {
      hangUp();
    }
    await pool.closeLeg(legA);
    await pool.closeLeg(legB);
  }, 60_000);

  it("no tone is heard when none is asked for (the setting off), and a paused recording refuses one", async () => {
    const { a, b, legA, legB, dialogId, hangUp } = await recordedCall("tone-off");
    try {
      await hear(a, 75);
      expect(toneRuns(a)).toEqual([]);
      expect(toneRuns(b)).toEqual([]);
      await pool.msml(legA, [{ kind: "send", target: dialogId, event: "pause" }]);
      await reported(dialogId, "paused");
      const refused = await pool.msml(legA, [
        { kind: "dialogstart", target: legB.connId, play: { tone: TONE, whileRecording: dialogId } },
      ]);
      expect(refused.response).toBe(410);
      expect(refused.description).toMatch(/is paused/);
    } finally {
      hangUp();
    }
    await pool.msml(legA, [{ kind: "dialogend", id: dialogId }]);
    await pool.closeLeg(legA);
    await pool.closeLeg(legB);
  }, 60_000);
});
