import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it, vi } from "vitest";
import { parseSdp } from "../../protocol/sdp";
import { talk, UdpPhone } from "../../media-engine/rtp/test-support/udp-phone";
import { readSidecar, wavDurationMs } from "../../recorder/test-support/recording-files";
import { registeredAgent } from "../test-support/registered-agent";
import { trunkWithByes } from "../test-support/trunk-with-byes";
import { startTestStack, type TestStack } from "../test-support/start-test-stack";

const ports = {
  http: 3203,
  sip: 5861,
  mediaSip: 5871,
  mediaHttp: 5872,
  recorderSip: 5881,
  recorderHttp: 5882,
  rtpMin: 44800,
  rtpMax: 44999,
};
const SERVER = `127.0.0.1:${ports.sip}`;
const closers: (() => Promise<void> | void)[] = [];
let stack: TestStack | undefined;

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await stack?.stop();
});

function sessionStates(databaseUrl: string): { id: string; state: string; outcome: string }[] {
  const db = new Database(databaseUrl.replace(/^file:/, ""), { readonly: true });
  try {
    return db.prepare("select id, state, outcome from RecordingSession").all() as {
      id: string;
      state: string;
      outcome: string;
    }[];
  } finally {
    db.close();
  }
}

describe("a restart of the whole launcher mid-call", () => {
  it("ends the call with a BYE, leaves no session recording or starting, and the recorder's files complete", async () => {
    stack = await startTestStack(ports);
    const first = stack;
    const token = fs.readFileSync(path.join(first.dir, "forkline.api-token"), "utf8").trim();
    const setRecord = await fetch(`http://127.0.0.1:${ports.http}/api/trpc/dn.setRecord`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ json: { number: "pstn", record: true } }),
    });
    expect(setRecord.status).toBe(200);
    const agent = await registeredAgent(SERVER, "1001", 44950, closers);
    const { trunk, byes: trunkByes } = await trunkWithByes(closers);
    const trunkMedia = await UdpPhone.open(32700);
    closers.push(() => trunkMedia.close());

    const { response } = await trunk.call(SERVER, "1001");
    expect(response.status).toBe(200);
    const stopTalking = talk(trunkMedia, parseSdp(response.body).media[0]!.port, {
      hz: 440,
      codec: "PCMA",
      ssrc: 0x7171,
    });
    closers.push(stopTalking);
    await vi.waitFor(
      () => expect(sessionStates(first.env.DATABASE_URL!)).toMatchObject([{ state: "recording" }]),
      {
        timeout: 10_000,
      },
    );
    const recordings = path.join(first.dir, "recordings");
    // A couple of seconds of audio reach the recorder before the restart.
    await vi.waitFor(
      () =>
        expect(
          fs.statSync(path.join(recordings, `${sessionStates(first.env.DATABASE_URL!)[0]!.id}.wav`)).size,
        ).toBeGreaterThan(44 + 2 * 2 * 8000 * 2),
      {
        timeout: 10_000,
      },
    );

    await first.stop({ keepDir: true });
    stopTalking();
    // The parties learned the call is over, with the reason.
    expect(trunkByes).toHaveLength(1);
    expect(trunkByes[0]!.headers.get("Reason")).toMatch(/Server shutting down/);
    expect(agent.byes).toHaveLength(1);

    stack = await startTestStack(ports, {}, first.dir);
    const [session] = sessionStates(first.env.DATABASE_URL!);
    expect(session!.state).not.toMatch(/^(recording|starting|paused|interrupted)$/);
    expect(session!.outcome).not.toBe("");
    // The lab recorder finalised its files: the WAV header matches the file, the JSON is final.
    expect(wavDurationMs(recordings, session!.id)).toBeGreaterThan(2_000);
    expect(readSidecar(recordings, session!.id).state).not.toBe("recording");
  }, 120_000);
});
