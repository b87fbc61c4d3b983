import fs from "node:fs";
import { elapse } from "../../common/test-support/waiting";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it, vi } from "vitest";
import { talk, UdpPhone } from "../../media-engine/rtp/test-support/udp-phone";
import { parseSdp } from "../../protocol/sdp";
import { readWav, silentRuns } from "../../recorder/test-support/audio-analysis";
import { wavDurationMs } from "../../recorder/test-support/recording-files";
import { registeredAgent } from "../test-support/registered-agent";
import { SipTestPhone } from "../test-support/sip-test-phone";
import { pidOnUdpPort, useTestStack, useSecondRecorder } from "../test-support/stack-fixture";

const ports = {
  http: 3204,
  sip: 5891,
  mediaSip: 5895,
  mediaHttp: 5896,
  recorderSip: 5897,
  recorderHttp: 5898,
  rtpMin: 45200,
  rtpMax: 45399,
};
const SECOND = { sip: 5911, http: 5912, rtpMin: 45400, rtpMax: 45499 };
const SERVER = `127.0.0.1:${ports.sip}`;
const fixture = useTestStack(ports);
const second = useSecondRecorder(SECOND);
const { closers, trpc } = fixture;

describe("parallel (dual) recording", () => {
  it("records each call to two recorders; kill -9 of one loses nothing: the other's WAV covers the whole call and the recording is complete", async () => {
    await trpc("recorder.set", { name: "second", uri: `sip:127.0.0.1:${SECOND.sip}`, position: 2 });
    expect(await trpc("recorder.setMode", { mode: "parallel" })).toEqual({ mode: "parallel" });
    await trpc("dn.setRecord", { number: "pstn", record: true });

    await registeredAgent(SERVER, "1001", 45600, closers);
    const trunk = await SipTestPhone.start({ BYE: (request) => void request.reply(200) }, 5062);
    closers.push(() => trunk.close());
    const trunkMedia = await UdpPhone.open(32700);
    closers.push(() => trunkMedia.close());

    const { response, dialog } = await trunk.call(SERVER, "1001");
    expect(response.status).toBe(200);
    const talkedFrom = Date.now();
    const stopTalking = talk(trunkMedia, parseSdp(response.body).media[0]!.port, {
      hz: 440,
      codec: "PCMA",
      ssrc: 0x2222,
    });
    closers.push(stopTalking);
    const db = new Database(fixture.stack.env.DATABASE_URL!.replace(/^file:/, ""), { readonly: true });
    closers.push(() => void db.close());
    type Row = { id: string; copyOf: string; state: string; outcome: string; recorderUri: string };
    const rows = () =>
      db
        .prepare("select id, copyOf, state, outcome, recorderUri from RecordingSession order by copyOf")
        .all() as Row[];
    await vi.waitFor(
      () => {
        expect(rows().map((r) => r.state)).toEqual(["recording", "recording"]);
      },
      { timeout: 10_000 },
    );
    const [primary, copy] = rows();
    expect(copy!.copyOf).toBe(primary!.id);
    expect(primary!.recorderUri).toBe(`sip:127.0.0.1:${ports.recorderSip}`);
    expect(copy!.recorderUri).toBe(`sip:127.0.0.1:${SECOND.sip}`);

    await elapse(2_000, "two seconds into the call the first recorder dies");
    const pid = pidOnUdpPort(ports.recorderSip);
    process.kill(pid, "SIGKILL");
    await vi.waitFor(() => expect(rows()[0]!.state).toBe("interrupted"), { timeout: 6_000, interval: 100 });
    expect(rows()[1]!.state).toBe("recording");

    await elapse(3_000, "3 s more of the call on the surviving copy");
    stopTalking();
    const talkedMs = Date.now() - talkedFrom;
    await trunk.ua.sendInDialog(dialog!, dialog!.createRequest("BYE"));
    await vi.waitFor(() => expect(rows().every((r) => r.outcome !== "")).toBe(true), { timeout: 10_000 });
    const [primaryEnd, copyEnd] = rows();
    expect(copyEnd).toMatchObject({ state: "stopped", outcome: "complete" });
    expect(primaryEnd!.outcome).toBe("incomplete");

    // The surviving copy's WAV covers the whole call: as long as the customer talked, and the
    // customer's channel has no hole where the other recorder died.
    const wavName = fs
      .readdirSync(second.dir)
      .find((f) => f.endsWith(".wav"))!
      .replace(/\.wav$/, "");
    expect(wavDurationMs(second.dir, wavName)).toBeGreaterThan(talkedMs - 700);
    const wav = readWav(path.join(second.dir, `${wavName}.wav`));
    const holes = wav.samples.map(
      (samples) =>
        silentRuns(samples, 1_600).filter(([from, to]) => from > 800 && to < samples.length - 800).length,
    );
    expect(Math.min(...holes), `silent runs per channel: ${holes.join(", ")}`).toBe(0);
    const alarms = db.prepare("select kind, message from Alarm").all() as { kind: string; message: string }[];
    expect(
      alarms.some((a) => a.kind === "recorder_failed" && /interrupted/.test(a.message)),
      JSON.stringify(alarms),
    ).toBe(true);
  }, 90_000);
});
