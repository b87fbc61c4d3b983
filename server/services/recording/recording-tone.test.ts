import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CtiEventBus } from "../../cti/cti-event-bus";
import type { RecordingEngineEvent } from "../../sip/calls/call-controller";
import { createTestDb } from "../../test-support/test-db";
import { establishedCall, FakeCallLayer } from "../../test-support/fake-call-layer";
import type { Db } from "../db";
import { RecordingService } from "./recording-service";
import { combineToneSettings, NOTIFICATION_TONE, type DnToneSetting } from "./recording-tone";

describe("combineToneSettings: any DN that asks for a tone gets it, the most of each setting wins", () => {
  const dn = (
    recordingTone: DnToneSetting["recordingTone"],
    recordingToneParties: DnToneSetting["recordingToneParties"] = "both",
    recordingToneEverySeconds = 15,
  ): DnToneSetting => ({ recordingTone, recordingToneParties, recordingToneEverySeconds });

  it("off everywhere: no tone", () => {
    expect(combineToneSettings([dn("off"), dn("off", "agent", 5)])).toBeUndefined();
    expect(combineToneSettings([])).toBeUndefined();
  });

  it("one DN asking is enough; repeat wins over start, with the shortest interval of those that repeat", () => {
    expect(combineToneSettings([dn("off"), dn("start", "customer")])).toEqual({
      repeatEverySeconds: undefined,
      parties: "customer",
    });
    expect(
      combineToneSettings([dn("start", "both", 5), dn("repeat", "both", 30), dn("repeat", "both", 20)]),
    ).toEqual({ repeatEverySeconds: 20, parties: "both" });
  });

  it("customer on one DN and agent on the other: both hear it; an off DN's parties do not count", () => {
    expect(combineToneSettings([dn("start", "customer"), dn("start", "agent")])?.parties).toBe("both");
    expect(combineToneSettings([dn("start", "agent"), dn("off", "customer")])?.parties).toBe("agent");
  });
});

describe("the SIP Server asks for the tone when the engine reports a recording started or resumed", () => {
  let db: Db;
  let cleanup: () => Promise<void>;
  let layer: FakeCallLayer;
  let service: RecordingService;
  const errors: unknown[] = [];

  beforeEach(async () => {
    ({ db, cleanup } = await createTestDb());
    await db.recorder.create({
      data: { name: "lab", uri: "sip:srs@127.0.0.1:5080", position: 1, enabled: true },
    });
    // 1001 (the callee, an agent) records full time; pstn (the caller, a trunk) is the customer.
    await db.dn.create({ data: { number: "1001", type: "extension", record: true } });
    await db.dn.create({ data: { number: "pstn", type: "trunk", peerHost: "127.0.0.1", peerPort: 5062 } });
    layer = new FakeCallLayer();
    service = new RecordingService(
      db,
      layer,
      new CtiEventBus(),
      () => null,
      (error) => errors.push(error),
    );
  });

  afterEach(async () => {
    service.close();
    await service.idle();
    await cleanup();
    expect(errors.splice(0)).toEqual([]);
  });

  /** A call answered: the full-time recording of 1001 is asked for; returns its id and dialog. */
  async function recordedCall(connId: string): Promise<{ recordingId: string; dialogId: string }> {
    const call = establishedCall(connId);
    layer.calls.set(connId, call);
    layer.listener.established?.(call);
    await service.idle();
    const started = layer.started.at(-1)!;
    return {
      recordingId: started.recordingId,
      dialogId: `conn:${started.side}/dialog:${started.recordingId}`,
    };
  }

  async function report(
    connId: string,
    name: RecordingEngineEvent["name"],
    ids: { recordingId: string; dialogId: string },
  ) {
    layer.listener.recordingEvent?.({ connId, name, dialogId: ids.dialogId, recordingId: ids.recordingId });
    await service.idle();
  }

  it("start/resume to the customer: a tone at the engine's started and resumed reports, none at the request or the pause", async () => {
    await db.dn.update({
      where: { number: "pstn" },
      data: { recordingTone: "start", recordingToneParties: "customer" },
    });
    const ids = await recordedCall("t1");
    // Asked for, not yet started: no tone announces a recording that may never happen.
    expect(layer.tones).toEqual([]);
    await report("t1", "started", ids);
    expect(layer.tones).toEqual([
      {
        connId: "t1",
        via: "callee",
        sides: ["caller"],
        play: { tone: NOTIFICATION_TONE, whileRecording: ids.dialogId },
      },
    ]);
    await service.control("pause", { connId: "t1", side: "destination", by: "test" });
    await report("t1", "paused", ids);
    expect(layer.tones).toHaveLength(1);
    await service.control("resume", { connId: "t1", side: "destination", by: "test" });
    await report("t1", "resumed", ids);
    expect(layer.tones).toHaveLength(2);
    expect(layer.tones[1]).toEqual(layer.tones[0]);
  });

  it("repeat on the agent's DN: the tone repeats every N s for both parties; off everywhere: no tone", async () => {
    await db.dn.update({
      where: { number: "1001" },
      data: { recordingTone: "repeat", recordingToneEverySeconds: 30 },
    });
    const ids = await recordedCall("t2");
    await report("t2", "started", ids);
    expect(layer.tones).toEqual([
      {
        connId: "t2",
        via: "callee",
        sides: ["caller", "callee"],
        play: {
          tone: NOTIFICATION_TONE,
          iterations: "forever",
          intervalMs: 30_000,
          whileRecording: ids.dialogId,
        },
      },
    ]);

    await db.dn.update({ where: { number: "1001" }, data: { recordingTone: "off" } });
    const quiet = await recordedCall("t3");
    await report("t3", "started", quiet);
    expect(layer.tones).toHaveLength(1);
  });

  it("customer only on a call without a trunk reaches nobody: no MSML at all", async () => {
    await db.dn.update({
      where: { number: "1001" },
      data: { recordingTone: "start", recordingToneParties: "customer" },
    });
    await db.dn.create({ data: { number: "1002", type: "extension" } });
    const call = establishedCall("t4", {}, { kind: "extension", dn: "1002", number: "1002" });
    layer.calls.set("t4", call);
    layer.listener.established?.(call);
    await service.idle();
    const started = layer.started.at(-1)!;
    await report("t4", "started", {
      recordingId: started.recordingId,
      dialogId: `conn:${started.side}/dialog:${started.recordingId}`,
    });
    expect(layer.tones).toEqual([]);
  });
});
