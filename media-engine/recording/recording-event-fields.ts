import { recordingEventName, RecordingEventField } from "../../protocol/msml";
import type { RecordingEvent } from "./src-recording";

/**
 * A recording event as the MSML <event> the engine sends the SIP Server (RFC 5707 §7.4), named
 * and fielded as protocol/msml/engine-contract.ts defines: `at` is the event's own time (the
 * start of the gap for `interrupted`), never when the INFO happens to leave.
 */
export function recordingEventMsml(event: RecordingEvent): {
  name: string;
  fields: { name: string; value: string }[];
} {
  const fields: { name: string; value: string }[] = [
    { name: RecordingEventField.recordingId, value: event.session.recordingId },
    { name: RecordingEventField.at, value: event.at.toISOString() },
  ];
  const optional: [string, string | number | undefined][] = [
    [RecordingEventField.recorder, event.recorder],
    [RecordingEventField.reason, event.reason],
    [RecordingEventField.segment, event.segment],
    [RecordingEventField.sent, event.sent],
    [RecordingEventField.acked, event.acked],
  ];
  for (const [name, value] of optional) if (value !== undefined) fields.push({ name, value: String(value) });
  return { name: recordingEventName(event.name), fields };
}
