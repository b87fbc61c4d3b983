import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it, vi } from "vitest";
import { talk, UdpPhone } from "../../media-engine/rtp/test-support/udp-phone";
import { parseSdp } from "../../protocol/sdp";
import { readWav } from "../../recorder/test-support/audio-analysis";
import { registeredAgent } from "../test-support/registered-agent";
import { SipTestPhone } from "../test-support/sip-test-phone";
import { pidOnUdpPort, useTestStack, useSecondRecorder } from "../test-support/stack-fixture";

const ports = {
  http: 3205,
  sip: 5931,
  mediaSip: 5935,
  mediaHttp: 5936,
  recorderSip: 5937,
  recorderHttp: 5938,
  rtpMin: 46200,
  rtpMax: 46399,
};
const SECOND = { sip: 5941, http: 5942, rtpMin: 46400, rtpMax: 46499 };
const SERVER = `127.0.0.1:${ports.sip}`;
const fixture = useTestStack(ports);
const second = useSecondRecorder(SECOND);
const { closers, trpc } = fixture;

/** Milliseconds from the start of the WAV to its first / after its last sample of the tone. */
function toneBounds(file: string): { firstMs: number; lastMs: number } {
  const wav = readWav(file);
  let first = Infinity;
  let last = -1;
  for (const samples of wav.samples) {
    for (let i = 0; i < samples.length; i++) {
      if (Math.abs(samples[i]!) < 1000) continue;
      first = Math.min(first, i);
      last = Math.max(last, i);
    }
  }
  return { firstMs: (first * 1000) / wav.sampleRate, lastMs: (last * 1000) / wav.sampleRate };
}

describe("a recorder killed mid-call, seen from the SIP Server", () => {
  it("the recording turns interrupted in ≤ 5 s, continues on the next recorder, and the history's gap covers the audio the WAVs miss", async () => {
    await trpc("recorder.set", { name: "second", uri: `sip:127.0.0.1:${SECOND.sip}`, position: 2 });
    await trpc("dn.setRecord", { number: "pstn", record: true });
    await registeredAgent(SERVER, "1001", 46600, closers);
    const trunk = await SipTestPhone.start({ BYE: (request) => void request.reply(200) }, 5062);
    closers.push(() => trunk.close());
    const trunkMedia = await UdpPhone.open(32700);
    closers.push(() => trunkMedia.close());

    const { response, dialog } = await trunk.call(SERVER, "1001");
    expect(response.status).toBe(200);
    const stopTalking = talk(trunkMedia, parseSdp(response.body).media[0]!.port, {
      hz: 440,
      codec: "PCMA",
      ssrc: 0x3333,
    });
    closers.push(stopTalking);
    const db = new Database(fixture.stack.env.DATABASE_URL!.replace(/^file:/, ""), { readonly: true });
    closers.push(() => void db.close());
    const session = () =>
      db
        .prepare("select id, state, outcome, outcomeReason, segments, recorderUri from RecordingSession")
        .get() as {
        id: string;
        state: string;
        outcome: string;
        outcomeReason: string;
        segments: number;
        recorderUri: string;
      };
    await vi.waitFor(() => expect(session().state).toBe("recording"), { timeout: 10_000 });
    const firstDir = path.join(fixture.stack.dir, "recordings");
    const id = session().id;
    // Two seconds of audio reach the first recorder.
    await vi.waitFor(
      () => expect(fs.statSync(path.join(firstDir, `${id}.wav`)).size).toBeGreaterThan(44 + 2 * 2 * 8000 * 2),
      { timeout: 10_000 },
    );
    const pid = pidOnUdpPort(ports.recorderSip);
    const killedAt = Date.now();
    process.kill(pid, "SIGKILL");
    // Interrupted, or already past it on the next recorder (the failover to a local recorder can
    // take less than one poll, now that a commit no longer costs the server 10 ms): the history's
    // gap, checked below, shows the interruption either way.
    await vi.waitFor(
      () => {
        const now = session();
        expect(now.state === "interrupted" || now.segments >= 2).toBe(true);
      },
      { timeout: 5_000, interval: 20 },
    );
    expect(Date.now() - killedAt).toBeLessThanOrEqual(5_000);
    await vi.waitFor(() => expect(session()).toMatchObject({ state: "recording", segments: 2 }), {
      timeout: 10_000,
    });
    expect(session().recorderUri).toBe(`sip:127.0.0.1:${SECOND.sip}`);
    // The supervisor's live view says so too.
    const [call] = await trpc<{ recordings: { state: string }[] }[]>("calls.list");
    expect(call!.recordings[0]!.state).toBe("recording");

    await vi.waitFor(() => expect(fs.readdirSync(second.dir).some((f) => f.endsWith(".wav"))).toBe(true), {
      timeout: 5_000,
    });
    const secondWav = path.join(
      second.dir,
      fs.readdirSync(second.dir).find((f) => f.endsWith(".wav"))!,
    );
    // A second of audio at the second recorder.
    await vi.waitFor(() => expect(fs.statSync(secondWav).size).toBeGreaterThan(44 + 2 * 2 * 8000), {
      timeout: 10_000,
    });
    stopTalking();
    await trunk.ua.sendInDialog(dialog!, dialog!.createRequest("BYE"));
    await vi.waitFor(() => expect(session().outcome).not.toBe(""), { timeout: 10_000 });
    expect(session()).toMatchObject({ state: "stopped", outcome: "incomplete" });
    expect(session().outcomeReason).toMatch(/s lost in 1 gap/);

    // Truth check: the gap in the history is what the two WAVs miss. The lab recorder acknowledges
    // a packet once its audio is in the WAV, and reports as soon as it writes, so the gap starts
    // at the last audio the first recorder kept (within ±100 ms, as issue 12 asks).
    const gap = db.prepare("select startedAt, endedAt from RecordingGap").get() as {
      startedAt: string;
      endedAt: string;
    };
    // Each WAV starts at its recording's startedAt (the lab recorder's JSON), by the same clock.
    const startOf = (wav: string) =>
      Date.parse(
        (JSON.parse(fs.readFileSync(wav.replace(/\.wav$/, ".json"), "utf8")) as { startedAt: string })
          .startedAt,
      );
    const firstWav = path.join(firstDir, `${id}.wav`);
    const audioLostFrom = startOf(firstWav) + toneBounds(firstWav).lastMs;
    const audioBackAt = startOf(secondWav) + toneBounds(secondWav).firstMs;
    const gapFrom = Date.parse(gap.startedAt);
    const gapTo = Date.parse(gap.endedAt);
    console.log(`gap starts ${gapFrom - audioLostFrom} ms after the first WAV's last audio`);
    expect(Math.abs(gapFrom - audioLostFrom)).toBeLessThanOrEqual(100);
    // It ends when the continuation's audio starts.
    expect(Math.abs(gapTo - audioBackAt)).toBeLessThanOrEqual(300);
  }, 90_000);
});
