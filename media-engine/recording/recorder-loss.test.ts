import dgram from "node:dgram";
import { waitFor } from "../../common/test-support/waiting";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MsmlEvent, MsmlRequestItem } from "../../protocol/msml";
import type { UserAgentCore } from "../../sip-core";
import type { MediaEnginePool, MediaLegHandle } from "../../server/sip/media/media-engine-pool";
import { readWav } from "../../recorder/test-support/audio-analysis";
import {
  engineController,
  enginePort,
  joinedCall,
  spawnMediaEngine,
  spawnService,
  type SpawnedProcess,
} from "../test-support/engine-harness";
import { missingPackets, talk, type UdpPhone } from "../rtp/test-support/udp-phone";

const ENGINE = { sip: 5770, http: 5771, rtpMin: 43600, rtpMax: 43699 };
const A = { sip: 5772, http: 5773, rtpMin: 43700, rtpMax: 43799, name: "a" };
const B = { sip: 5774, http: 5775, rtpMin: 43800, rtpMax: 43899, name: "b" };
/** Nothing listens here: the kernel answers ICMP port unreachable. */
const CLOSED = 5779;
/** A socket that takes INVITEs and never answers. */
const SILENT = 5778;
const uriOf = (port: number) => `sip:srs@127.0.0.1:${port}`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-recorder-loss-"));
const children = new Set<SpawnedProcess>();
const recorders = new Map<string, SpawnedProcess>();
const phones: UdpPhone[] = [];
let events: MsmlEvent[] = [];
let ua: UserAgentCore;
let pool: MediaEnginePool;

const recordingsOf = (r: { name: string }) => path.join(dir, r.name);

async function startRecorder(r: typeof A): Promise<void> {
  const child = await spawnService(
    "recorder/main.ts",
    {
      RECORDER_SIP_PORT: String(r.sip),
      RECORDER_HTTP_PORT: String(r.http),
      RECORDER_RTP_PORT_MIN: String(r.rtpMin),
      RECORDER_RTP_PORT_MAX: String(r.rtpMax),
      RECORDINGS_DIR: recordingsOf(r),
    },
    "recorder ready",
  );
  children.add(child);
  recorders.set(r.name, child);
}

/** Signals a child and waits for it to be gone (SIGKILL after 3 s), so no test leaves processes behind. */
async function ended(child: SpawnedProcess, signal: NodeJS.Signals): Promise<void> {
  children.delete(child);
  if (child.child.exitCode !== null || child.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.child.once("exit", () => resolve()));
  child.child.kill(signal);
  const timer = setTimeout(() => child.child.kill("SIGKILL"), 3_000);
  await exited;
  clearTimeout(timer);
}

const find = (dialogId: string, name: string, nth = 0): MsmlEvent | undefined =>
  events.filter((e) => e.id === dialogId && e.name === `forkline.recording.${name}`)[nth];
const field = (event: MsmlEvent | undefined, name: string): string | undefined =>
  event?.fields.find((f) => f.name === name)?.value;
const atOf = (event: MsmlEvent | undefined): number => Date.parse(field(event, "at") ?? "");

/** Waits for the `nth` event `name` of a recording; returns it with when the test saw it. */
async function awaitEvent(
  dialogId: string,
  name: string,
  timeoutMs: number,
  nth = 0,
): Promise<{ event: MsmlEvent; seenAt: number }> {
  await waitFor(
    () => find(dialogId, name, nth) !== undefined,
    timeoutMs,
    `${name} #${nth + 1} of ${dialogId}`,
  );
  return { event: find(dialogId, name, nth)!, seenAt: Date.now() };
}

function record(
  legA: MediaLegHandle,
  name: string,
  dest: string[],
  attemptTimeoutMs?: number,
): MsmlRequestItem {
  return {
    kind: "dialogstart",
    target: legA.connId,
    name,
    type: "application/moml+xml",
    record: {
      dest,
      recordingId: `loss-${name}`,
      params: {},
      ...(attemptTimeoutMs === undefined ? {} : { attemptTimeoutMs }),
    },
  };
}

/** A call whose both parties talk (440 Hz and 1000 Hz) through the engine; counts what each side hears. */
async function talkingCall(callId: string) {
  const call = await joinedCall(pool, phones, callId);
  const stopA = talk(call.a, enginePort(call.legA), { hz: 440, codec: "PCMU", ssrc: 0xa1 });
  const stopB = talk(call.b, enginePort(call.legB), { hz: 1000, codec: "PCMU", ssrc: 0xb1 });
  return { ...call, hangUpMicrophones: () => (stopA(), stopB()) };
}

/**
 * The WAVs of a recording in a recorder's directory, oldest first. The lab recorder names the
 * first `<id>.wav` and later ones after the segment; the test does not depend on which.
 */
function wavsOf(r: { name: string }, recordingId: string): string[] {
  const dirOf = recordingsOf(r);
  return fs
    .readdirSync(dirOf)
    .filter((f) => f.startsWith(recordingId) && f.endsWith(".wav"))
    .map((f) => path.join(dirOf, f))
    .sort((x, y) => fs.statSync(x).birthtimeMs - fs.statSync(y).birthtimeMs);
}

/** Index of the first / last sample of the tone on channel 0 (the recorded leg's party). */
function soundBounds(file: string): { first: number; last: number } {
  const samples = readWav(file).samples[0]!;
  let first = -1;
  let last = -1;
  for (let i = 0; i < samples.length; i++) {
    if (Math.abs(samples[i]!) < 1000) continue;
    if (first === -1) first = i;
    last = i;
  }
  return { first, last };
}

beforeAll(async () => {
  children.add(await spawnMediaEngine(ENGINE));
  await Promise.all([startRecorder(A), startRecorder(B)]);
  ({ ua, pool, events } = await engineController(ENGINE.sip));
}, 60_000);

afterAll(async () => {
  for (const phone of phones) phone.close();
  await ua?.close();
  await Promise.all([...children].map((child) => ended(child, "SIGTERM")));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("a recording outlives the loss of its recorder", () => {
  it("skips a closed first recorder at once (ICMP) and starts on the next without the 3 s attempt wait", async () => {
    const { legA, legB, hangUpMicrophones } = await talkingCall("closed-first");
    try {
      const asked = Date.now();
      const { dialogid } = await pool.msml(legA, [record(legA, "closed", [uriOf(CLOSED), uriOf(B.sip)])]);
      const skipped = await awaitEvent(dialogid!, "skipped", 5_000);
      const started = await awaitEvent(dialogid!, "started", 5_000);
      expect(field(skipped.event, "recorder")).toBe(uriOf(CLOSED));
      expect(field(skipped.event, "reason")).toMatch(/ICMP port unreachable/);
      expect(skipped.seenAt - asked).toBeLessThan(1_000);
      expect(field(started.event, "recorder")).toBe(uriOf(B.sip));
      expect(field(started.event, "segment")).toBe("1");
      expect(started.seenAt - asked).toBeLessThan(1_500);
      // Some media reaches B before the stop, so the counters have something to count.
      await waitFor(
        () => wavsOf(B, "loss-closed").some((file) => fs.statSync(file).size > 44 + 8000),
        5_000,
        "audio at B",
      );
      await pool.msml(legA, [{ kind: "dialogend", id: dialogid! }]);
      const stopped = await awaitEvent(dialogid!, "stopped", 5_000);
      const sent = Number(field(stopped.event, "sent"));
      expect(sent).toBeGreaterThan(0);
      // The stop waited for the receiver report covering the last packet, when the recorder sends
      // RTCP at all (a recorder without RTCP acknowledges nothing).
      const acked = Number(field(stopped.event, "acked"));
      expect(acked === 0 || acked === sent, `acked ${acked} of ${sent}`).toBe(true);
    } finally {
      hangUpMicrophones();
      await pool.closeLeg(legA);
      await pool.closeLeg(legB);
    }
  }, 20_000);

  it("gives up on a silent recorder after the attempt timeout and stops retransmitting its INVITE", async () => {
    const silent = dgram.createSocket("udp4");
    const invites: number[] = [];
    silent.on("message", (m) => {
      if (m.toString("utf8").startsWith("INVITE ")) invites.push(Date.now());
    });
    await new Promise<void>((resolve) => silent.bind(SILENT, "127.0.0.1", resolve));
    const { legA, legB } = await joinedCall(pool, phones, "silent-first");
    try {
      const { dialogid } = await pool.msml(legA, [
        record(legA, "silent", [uriOf(SILENT), uriOf(B.sip)], 800),
      ]);
      const skipped = await awaitEvent(dialogid!, "skipped", 5_000);
      expect(field(skipped.event, "reason")).toBe("no answer in 800 ms");
      await awaitEvent(dialogid!, "started", 5_000);
      // RFC 3261 timer A would retransmit at 0.5 s, 1.5 s, 3.5 s …: given up at 0.8 s, the
      // INVITE went out twice and never again (the window covers the 1.5 s and 3.5 s ones).
      const first = invites[0]!;
      await waitFor(() => Date.now() > first + 3_700, 5_000, "the retransmission window");
      expect(invites.map((t) => t - first).filter((t) => t > 1_000)).toEqual([]);
      expect(invites).toHaveLength(2);
      await pool.msml(legA, [{ kind: "dialogend", id: dialogid! }]);
      await awaitEvent(dialogid!, "stopped", 5_000);
    } finally {
      silent.close();
      await pool.closeLeg(legA);
      await pool.closeLeg(legB);
    }
  }, 20_000);

  it("kill -9 of the recorder: interrupted in ≤ 5 s, continued on the next with segment 2, the call untouched; back to the first (segment 3) when the second dies", async () => {
    const { a, b, legA, legB, hangUpMicrophones } = await talkingCall("kill");
    try {
      const { dialogid } = await pool.msml(legA, [record(legA, "kill", [uriOf(A.sip), uriOf(B.sip)], 1_000)]);
      const id = dialogid!;
      const started = await awaitEvent(id, "started", 5_000);
      expect(field(started.event, "recorder")).toBe(uriOf(A.sip));
      await waitFor(() => Date.now() > started.seenAt + 1_500, 3_000, "1.5 s recorded on A");

      const killedA = Date.now();
      await ended(recorders.get(A.name)!, "SIGKILL");
      const lostA = await awaitEvent(id, "interrupted", 5_000);
      expect(lostA.seenAt - killedA).toBeLessThanOrEqual(5_000);
      expect(field(lostA.event, "recorder")).toBe(uriOf(A.sip));
      const continuedB = await awaitEvent(id, "continued", 5_000);
      expect(field(continuedB.event, "recorder")).toBe(uriOf(B.sip));
      expect(field(continuedB.event, "segment")).toBe("2");
      const sentAtLoss = Number(field(lostA.event, "sent"));
      const ackedAtLoss = Number(field(lostA.event, "acked"));
      expect(sentAtLoss).toBeGreaterThan(50);
      expect(ackedAtLoss).toBeLessThanOrEqual(sentAtLoss);
      console.log(
        `kill -9 A: interrupted after ${lostA.seenAt - killedA} ms (${field(lostA.event, "reason")}), ` +
          `gap ${atOf(continuedB.event) - atOf(lostA.event)} ms, sent ${sentAtLoss}, acked ${ackedAtLoss}`,
      );

      await waitFor(() => Date.now() > continuedB.seenAt + 1_500, 3_000, "1.5 s recorded on B");
      await startRecorder(A);
      const killedB = Date.now();
      await ended(recorders.get(B.name)!, "SIGKILL");
      const lostB = await awaitEvent(id, "interrupted", 5_000, 1);
      expect(lostB.seenAt - killedB).toBeLessThanOrEqual(5_000);
      expect(field(lostB.event, "recorder")).toBe(uriOf(B.sip));
      const continuedA = await awaitEvent(id, "continued", 10_000, 1);
      expect(field(continuedA.event, "recorder")).toBe(uriOf(A.sip));
      expect(field(continuedA.event, "segment")).toBe("3");
      await waitFor(() => Date.now() > continuedA.seenAt + 1_000, 3_000, "1 s recorded on A again");
      await pool.msml(legA, [{ kind: "dialogend", id }]);
      const stopped = await awaitEvent(id, "stopped", 6_000);
      expect(Number(field(stopped.event, "sent"))).toBeGreaterThan(Number(field(lostB.event, "sent")));

      // The call's own media went on both ways without a single lost packet.
      expect(missingPackets(a.received)).toBe(0);
      expect(missingPackets(b.received)).toBe(0);
      expect(a.received.length).toBeGreaterThan(200);

      // The reported gap is the audio missing between A's WAV and B's WAV.
      expect(wavsOf(B, "loss-kill")).toHaveLength(1);
      const segment1 = soundBounds(path.join(recordingsOf(A), "loss-kill.wav"));
      const segment2 = soundBounds(wavsOf(B, "loss-kill")[0]!);
      const endOfA = atOf(started.event) + segment1.last / 8;
      const startOfB = atOf(continuedB.event) + segment2.first / 8;
      console.log(`A's audio ends ${endOfA - atOf(lostA.event)} ms after interrupted.at`);
      // The lab recorder acknowledges what is in its WAV, as it writes it: the gap starts where A's
      // audio ends (issue 12 asks ±100 ms; measured 18–24 ms, one packet).
      expect(Math.abs(endOfA - atOf(lostA.event)), `A's audio ends near interrupted.at`).toBeLessThanOrEqual(
        100,
      );
      expect(segment2.first / 8, "B's audio starts with its WAV").toBeLessThanOrEqual(300);
      expect(Math.abs(startOfB - atOf(continuedB.event))).toBeLessThanOrEqual(300);
      // Segment 3 went to the restarted A: a second WAV there, finalized by the BYE of the stop.
      await waitFor(() => wavsOf(A, "loss-kill").length === 2, 5_000, "segment 3's WAV on A");
      const segment3 = soundBounds(wavsOf(A, "loss-kill")[1]!);
      expect(segment3.first / 8).toBeLessThanOrEqual(300);
    } finally {
      hangUpMicrophones();
      await pool.closeLeg(legA);
      await pool.closeLeg(legB);
      // The next test needs both recorders alive.
      for (const r of [A, B]) if (!children.has(recorders.get(r.name)!)) await startRecorder(r);
    }
  }, 40_000);

  it("SIGSTOP of the recorder (alive but silent): interrupted in ≤ 5 s and continued on the next", async () => {
    const { legA, legB, hangUpMicrophones } = await talkingCall("stop");
    const frozen = recorders.get(A.name)!;
    try {
      const { dialogid } = await pool.msml(legA, [
        record(legA, "frozen", [uriOf(A.sip), uriOf(B.sip)], 1_000),
      ]);
      const id = dialogid!;
      const started = await awaitEvent(id, "started", 5_000);
      expect(field(started.event, "recorder")).toBe(uriOf(A.sip));
      await waitFor(() => Date.now() > started.seenAt + 1_500, 3_000, "1.5 s recorded on A");
      const stoppedAt = Date.now();
      frozen.child.kill("SIGSTOP");
      const lost = await awaitEvent(id, "interrupted", 6_000);
      expect(lost.seenAt - stoppedAt).toBeLessThanOrEqual(5_000);
      const continued = await awaitEvent(id, "continued", 5_000);
      expect(field(continued.event, "recorder")).toBe(uriOf(B.sip));
      expect(field(continued.event, "segment")).toBe("2");
      console.log(
        `SIGSTOP A: interrupted after ${lost.seenAt - stoppedAt} ms (${field(lost.event, "reason")}), ` +
          `gap ${atOf(continued.event) - atOf(lost.event)} ms`,
      );
      expect(atOf(lost.event)).toBeLessThanOrEqual(stoppedAt + 1_000);
      expect(atOf(lost.event)).toBeGreaterThanOrEqual(atOf(started.event));
      await pool.msml(legA, [{ kind: "dialogend", id }]);
      await awaitEvent(id, "stopped", 6_000);
    } finally {
      frozen.child.kill("SIGCONT");
      hangUpMicrophones();
      await pool.closeLeg(legA);
      await pool.closeLeg(legB);
    }
  }, 30_000);

  it("pause while interrupted: the continuation is set up a=inactive and forwards nothing until resume; stop while interrupted ends the retries", async () => {
    const { legA, legB, hangUpMicrophones } = await talkingCall("pause-lost");
    try {
      const { dialogid } = await pool.msml(legA, [record(legA, "pauselost", [uriOf(A.sip)], 1_000)]);
      const id = dialogid!;
      await awaitEvent(id, "started", 5_000);
      await ended(recorders.get(A.name)!, "SIGKILL");
      const lost = await awaitEvent(id, "interrupted", 5_000);
      await pool.msml(legA, [{ kind: "send", target: id, event: "pause" }]);
      await awaitEvent(id, "paused", 2_000);
      await startRecorder(A);
      const continued = await awaitEvent(id, "continued", 20_000);
      expect(field(continued.event, "segment")).toBe("2");
      await waitFor(() => Date.now() > continued.seenAt + 1_000, 2_000, "1 s of continued pause");
      await pool.msml(legA, [{ kind: "send", target: id, event: "resume" }]);
      const resumed = await awaitEvent(id, "resumed", 5_000);
      await waitFor(() => Date.now() > resumed.seenAt + 1_000, 2_000, "1 s recorded after resume");

      // A dies again and the recording is stopped while it has no recorder.
      await ended(recorders.get(A.name)!, "SIGKILL");
      const lostAgain = await awaitEvent(id, "interrupted", 5_000, 1);
      // Nothing was forwarded from the loss to the resume: what was sent since fits in the time
      // since the resume (two streams at 50 packets/s, and a margin).
      const sentSinceLoss = Number(field(lostAgain.event, "sent")) - Number(field(lost.event, "sent"));
      expect(sentSinceLoss).toBeGreaterThan(0);
      expect(sentSinceLoss).toBeLessThanOrEqual(((lostAgain.seenAt - atOf(resumed.event)) / 20) * 2 + 10);
      await pool.msml(legA, [{ kind: "dialogend", id }]);
      const stopped = await awaitEvent(id, "stopped", 2_000);
      const skippedBefore = events.filter((e) => e.id === id && e.name.endsWith("skipped")).length;
      // Past the first backoff (1 s) and its round: no attempt after the stop.
      await waitFor(() => Date.now() > stopped.seenAt + 1_500, 2_000, "the first backoff");
      expect(events.filter((e) => e.id === id && e.name.endsWith("skipped"))).toHaveLength(skippedBefore);
      expect(Number(field(stopped.event, "sent"))).toBeGreaterThan(Number(field(lost.event, "sent")));

      // Segment 2's WAV is silent until the resume: nothing was forwarded while paused.
      const wav = wavsOf(A, "loss-pauselost").at(-1)!;
      const expectedSilenceMs = atOf(resumed.event) - atOf(continued.event);
      expect(Math.abs(soundBounds(wav).first / 8 - expectedSilenceMs)).toBeLessThanOrEqual(300);
    } finally {
      hangUpMicrophones();
      await pool.closeLeg(legA);
      await pool.closeLeg(legB);
    }
  }, 40_000);
});
