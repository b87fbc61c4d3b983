import { describe, expect, it } from "vitest";
import { parseMsml, serializeMsmlEvent } from "../../../protocol/msml";
import { decodeRecordingEvent } from "./recording-control";

/** An MSML <event> as the media engine sends it, through the real codec both ways. */
function engineEvent(name: string, fields: Record<string, string>) {
  const xml = serializeMsmlEvent({
    version: "1.1",
    name,
    id: "conn:abc/dialog:rec-1",
    fields: Object.entries(fields).map(([key, value]) => ({ name: key, value })),
  });
  const document = parseMsml(Buffer.from(xml, "utf8"));
  if (document.type !== "event") throw new Error("not an event");
  return document;
}

describe("decodeRecordingEvent", () => {
  it("reads every contract field of a recording event", () => {
    const decoded = decodeRecordingEvent(
      "c1",
      engineEvent("forkline.recording.interrupted", {
        recordingid: "r1",
        at: "2026-12-02T10:00:00.123Z",
        recorder: "sip:srs@127.0.0.1:5080",
        reason: "no RTCP receiver report for 3 s",
        sent: "150",
        acked: "94",
      }),
    );
    expect(decoded).toEqual({
      connId: "c1",
      name: "interrupted",
      dialogId: "conn:abc/dialog:rec-1",
      recordingId: "r1",
      at: new Date("2026-12-02T10:00:00.123Z"),
      recorder: "sip:srs@127.0.0.1:5080",
      reason: "no RTCP receiver report for 3 s",
      sent: 150,
      acked: 94,
    });
  });

  it("drops values that are not what the contract says, and ignores other events", () => {
    const decoded = decodeRecordingEvent(
      "c1",
      engineEvent("forkline.recording.continued", {
        recordingid: "r1",
        at: "yesterday",
        segment: "-2",
        sent: "1.5",
      }),
    );
    expect(decoded).toEqual({
      connId: "c1",
      name: "continued",
      dialogId: "conn:abc/dialog:rec-1",
      recordingId: "r1",
    });
    expect(decodeRecordingEvent("c1", engineEvent("forkline.recording.exploded", {}))).toBeUndefined();
    expect(decodeRecordingEvent("c1", engineEvent("msml.dialog.exit", {}))).toBeUndefined();
  });
});
