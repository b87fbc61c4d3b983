import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { listRecordings } from "./list-recordings";
import { SiprecRecorder } from "./siprec-recorder";
import { readSidecar, wavDurationMs } from "./test-support/recording-files";
import { SESSION_ID, twoPartyMetadata } from "./test-support/siprec-fixtures";
import { TestSrc } from "./test-support/siprec-src";

// Ports of this file: SIP 5704–5705, recorder RTP 43060–43079 (no RTP is sent).
const RECORDER_SIP = 5704;
const SRC_SIP = 5705;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const STREAMS = [
  { label: "1", port: 43130, payloadType: 0, encoding: "PCMU" },
  { label: "2", port: 43132, payloadType: 0, encoding: "PCMU" },
];

function segment(n: number | undefined) {
  const metadata = twoPartyMetadata(["1", "2"], "rec-42");
  return { ...metadata, extension: { ...metadata.extension, ...(n === undefined ? {} : { segment: n }) } };
}

describe("continued recordings (RFC 7866 §5: several recording sessions for one recording)", () => {
  it("gives each segment its own WAV and JSON, named and described so they are found together", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-segments-"));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const recorder = await SiprecRecorder.start({
      sipHost: "127.0.0.1",
      sipPort: RECORDER_SIP,
      tcp: false,
      rtpPortMin: 43060,
      rtpPortMax: 43079,
      recordingsDir: dir,
    });
    cleanups.push(() => recorder.close().then(() => undefined));
    const src = await TestSrc.start(SRC_SIP);
    cleanups.push(() => src.close());

    // The first session says no segment (an SRC that never continued one), the next ones 2 and 3;
    // then a repeated 2 and an explicit 1, as an SRC retrying after a failure might send.
    const first = await src.record(RECORDER_SIP, STREAMS, segment(undefined));
    const second = await src.record(RECORDER_SIP, STREAMS, segment(2));
    expect(await first.bye()).toBe(200);
    const third = await src.record(RECORDER_SIP, STREAMS, segment(3));
    const again = await src.record(RECORDER_SIP, STREAMS, segment(2));
    const one = await src.record(RECORDER_SIP, STREAMS, segment(1));
    for (const recording of [second, third, again, one]) expect(await recording.bye()).toBe(200);

    const names = ["rec-42", "rec-42-2", "rec-42.seg2", "rec-42.seg2-2", "rec-42.seg3"];
    expect(fs.readdirSync(dir).sort()).toEqual(names.flatMap((n) => [`${n}.json`, `${n}.wav`]).sort());
    const described = names.map((name) => {
      const sidecar = readSidecar(dir, name);
      wavDurationMs(dir, name);
      return [
        name,
        sidecar.recordingId,
        sidecar.sessionId,
        sidecar.segment,
        sidecar.state,
        sidecar.sipCallId,
      ];
    });
    const callId = (r: typeof first) => r.invite.headers.get("Call-ID");
    expect(described).toEqual([
      ["rec-42", "rec-42", SESSION_ID, 1, "finished", callId(first)],
      ["rec-42-2", "rec-42", SESSION_ID, 1, "finished", callId(one)],
      ["rec-42.seg2", "rec-42", SESSION_ID, 2, "finished", callId(second)],
      ["rec-42.seg2-2", "rec-42", SESSION_ID, 2, "finished", callId(again)],
      ["rec-42.seg3", "rec-42", SESSION_ID, 3, "finished", callId(third)],
    ]);
    expect((await listRecordings(dir)).map((r) => r.id)).toEqual(names);
  });
});
