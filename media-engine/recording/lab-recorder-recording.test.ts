import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MsmlEvent } from "../../protocol/msml";
import { serializeRtpPacket } from "../../protocol/rtp";
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
import { dominantFrequency, readWav, silentRuns } from "../../recorder/test-support/audio-analysis";
import { talk, type UdpPhone, waitFor } from "../rtp/test-support/udp-phone";

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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
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
      expect(events.find((e) => e.id === dialogId && e.name.endsWith("started"))!.fields).toContainEqual({
        name: "recorder",
        value: `sip:srs@127.0.0.1:${LAB_SIP}`,
      });
      await sleep(1000);
      await pool.msml(legA, [{ kind: "send", target: dialogId, event: "pause" }]);
      await sleep(2000);
      await pool.msml(legA, [{ kind: "send", target: dialogId, event: "resume" }]);
      await waitFor(() => named(dialogId, "resumed"), 5000, "resumed");
      await sleep(1000);
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

    const wav = readWav(path.join(recordings, "lab-rec-1.wav"));
    expect(wav.channels).toBe(2);
    for (const [participant, hz] of [
      [agent, 440],
      [customer, 1000],
    ] as const) {
      const samples = wav.samples[participant.channel]!;
      const runs = silentRuns(samples, 800);
      // One silence in the middle: the pause, 2 s ±100 ms.
      const middle = runs.filter(([start, end]) => start > 4000 && end < samples.length - 4000);
      expect(middle, `silent runs on channel ${participant.channel}: ${JSON.stringify(runs)}`).toHaveLength(
        1,
      );
      const [start, end] = middle[0]!;
      expect(Math.abs(end - start - 16000)).toBeLessThanOrEqual(800);
      expect(dominantFrequency(samples.subarray(0, start), [440, 1000], 8000)).toBe(hz);
      expect(dominantFrequency(samples.subarray(end), [440, 1000], 8000)).toBe(hz);
    }
    await pool.closeLeg(legA);
    await pool.closeLeg(legB);
  }, 60_000);

  it("a recorder that hangs up mid-call interrupts the recording, leaves the call untouched, and the recording fails with the call", async () => {
    const sipp = new Promise<number | null>((resolve) => {
      const child = spawn("sipp", [
        "-sf",
        path.join(import.meta.dirname, "__scenarios__/siprec-recorder-hangs-up.xml"),
        "-i",
        "127.0.0.1",
        "-p",
        String(HANG_UP_RECORDER),
        "-mi",
        "127.0.0.1",
        "-mp",
        "32300",
        "-m",
        "1",
        "-timeout",
        "20s",
        "-nostdin",
        // The engine probes its recorders with in-dialog OPTIONS every 2 s: SIPp answers them 200.
        "-aa",
      ]);
      child.once("exit", resolve);
    });
    await sleep(500);
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
