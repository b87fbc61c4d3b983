import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type MsmlError, type MsmlPlay } from "../../protocol/msml";
import { serializeRtpPacket } from "../../protocol/rtp";
import type { MediaLeg } from "../control/media-leg";
import type { MediaBridge, OutgoingFilter } from "../rtp";
import { SrcRecordingState } from "../recording/src-recording-state";
import { carries } from "./test-support/tone-runs";
import { PlayDialogs } from "./play-dialogs";

/** A relayed 20 ms PCMU packet of silence. */
const relayed = (seq: number) =>
  serializeRtpPacket({
    marker: false,
    payloadType: 0,
    sequenceNumber: seq,
    timestamp: seq * 160,
    ssrc: 7,
    csrcs: [],
    extension: false,
    payload: Buffer.alloc(160, 0xff),
  });

const leg = (connId: string, encoding = "PCMU") =>
  ({
    connId,
    codec: { payloadType: 0, encoding, clockRate: 8000 },
    endpoint: { id: connId },
  }) as unknown as MediaLeg;

const TONE = { frequencyHz: 1400, durationMs: 100 };

let filters: Map<unknown, OutgoingFilter>;
let recordings: Map<string, SrcRecordingState>;
let plays: PlayDialogs;

beforeEach(() => {
  vi.useFakeTimers();
  filters = new Map();
  recordings = new Map([["conn:a/dialog:rec", SrcRecordingState.Recording]]);
  const bridge = {
    setOutgoingFilter: (endpoint: unknown, filter: OutgoingFilter | undefined) =>
      filter === undefined ? filters.delete(endpoint) : filters.set(endpoint, filter),
  } as unknown as MediaBridge;
  plays = new PlayDialogs({ bridge, recordingState: (id) => recordings.get(id) });
});

afterEach(() => {
  plays.closeAll();
  vi.useRealTimers();
});

/** What the party of `target` hears in the next `packets` relayed packets: tone or not, per packet. */
function hear(target: MediaLeg, packets: number): boolean[] {
  const heard: boolean[] = [];
  for (let i = 0; i < packets; i++) {
    const filter = filters.get(target.endpoint);
    heard.push(filter !== undefined && carries(filter(relayed(i)), 1400, 440));
  }
  return heard;
}

const start = (target: MediaLeg, play: Partial<MsmlPlay>, name?: string) =>
  plays.prepare(target, name, { tone: TONE, ...play })();

const status = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as MsmlError).status;
  }
  throw new Error("expected a refusal");
};

describe("PlayDialogs", () => {
  it("refuses what it cannot play: another codec 451, an unknown recording 430, a paused one 410, a name in use 431", () => {
    const a = leg("conn:a");
    expect(status(() => plays.prepare(leg("conn:o", "opus"), undefined, { tone: TONE }))).toBe(451);
    expect(status(() => plays.prepare(a, undefined, { tone: TONE, whileRecording: "conn:a/dialog:x" }))).toBe(
      430,
    );
    recordings.set("conn:a/dialog:rec", SrcRecordingState.Paused);
    expect(
      status(() => plays.prepare(a, undefined, { tone: TONE, whileRecording: "conn:a/dialog:rec" })),
    ).toBe(410);
    start(a, {}, "t1");
    expect(status(() => plays.prepare(a, "t1", { tone: TONE }))).toBe(431);
    expect(status(() => plays.prepare(a, "rec", { tone: TONE }))).toBe(431);
  });

  it("plays n iterations an interval apart, then ends and takes its filter off the leg", () => {
    const a = leg("conn:a");
    const id = start(a, { iterations: 2, intervalMs: 1000 });
    expect(id).toMatch(/^conn:a\/dialog:tone-/);
    // 100 ms = 5 packets of tone, then the relayed audio again.
    expect(hear(a, 7)).toEqual([true, true, true, true, true, false, false]);
    vi.advanceTimersByTime(999);
    expect(hear(a, 1)).toEqual([false]);
    vi.advanceTimersByTime(1);
    expect(hear(a, 6)).toEqual([true, true, true, true, true, false]);
    expect(plays.has(id)).toBe(false);
    expect(filters.size).toBe(0);
  });

  it("a repeating play tied to a recording stops when it goes quiet: the sounding tone is cut, no repeat follows", () => {
    const a = leg("conn:a");
    const b = leg("conn:b");
    start(a, { iterations: "forever", intervalMs: 1000, whileRecording: "conn:a/dialog:rec" });
    start(b, { iterations: "forever", intervalMs: 1000 });
    expect(hear(a, 2)).toEqual([true, true]);
    plays.recordingQuiet("conn:a/dialog:rec");
    expect(filters.has(a.endpoint)).toBe(false);
    vi.advanceTimersByTime(5000);
    expect(hear(a, 5)).toEqual([false, false, false, false, false]);
    // The other leg's play is tied to nothing: it goes on.
    expect(hear(b, 1)).toEqual([true]);
    plays.legReleased(b);
    expect(plays.liveCount).toBe(0);
  });

  it("a one-shot play to a party nobody sends to ends by itself after the tone's time and a grace", () => {
    const a = leg("conn:a");
    const id = start(a, {});
    vi.advanceTimersByTime(TONE.durationMs + 1999);
    expect(plays.has(id)).toBe(true);
    vi.advanceTimersByTime(1);
    expect(plays.has(id)).toBe(false);
    expect(filters.size).toBe(0);
  });

  it("of two plays of one document with the same name, the later replaces the earlier", () => {
    const a = leg("conn:a");
    const first = plays.prepare(a, "same", { tone: TONE, iterations: "forever", intervalMs: 1000 });
    const second = plays.prepare(a, "same", { tone: TONE });
    first();
    second();
    expect(plays.liveCount).toBe(1);
    expect(hear(a, 6)).toEqual([true, true, true, true, true, false]);
    expect(plays.liveCount).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(hear(a, 1)).toEqual([false]);
  });

  it("dialogend ends a play at once", () => {
    const a = leg("conn:a");
    const id = start(a, { iterations: 3, intervalMs: 1000 });
    plays.end(id);
    expect(plays.has(id)).toBe(false);
    expect(hear(a, 2)).toEqual([false, false]);
  });
});
