import { MSML_CONTENT_TYPE, serializeMsmlEvent } from "../../protocol/msml";
import { DialogState, type UserAgentCore } from "../../sip-core";
import { recordingEventMsml } from "../recording/recording-event-fields";
import type { RecordingEvent } from "../recording/src-recording";
import type { ErrorSink } from "./contain";
import { MediaLegState } from "./media-leg";

/**
 * Tells the SIP Server what became of a recording, as an MSML <event> (RFC 5707 §7.4: "The
 * event element is used to notify an event to a media server client") in an INFO on the
 * recorded leg's dialog, so it can tell CTI clients. Never rejects: a failed report is contained
 * to its leg.
 */
export async function reportRecordingEvent(
  ua: UserAgentCore,
  errors: ErrorSink,
  event: RecordingEvent,
): Promise<void> {
  // The event carries its own time (taken as forwarding stopped or restarted, or the start of a
  // gap), so the INFO may queue behind other work without moving it.
  const leg = event.session.target;
  // A terminated dialog refuses in-dialog requests (481): the SIP Server has ended this leg, or
  // died with it, and has no use for the event.
  if (leg.state === MediaLegState.Terminated || leg.dialog.state === DialogState.Terminated) return;
  try {
    const { name, fields } = recordingEventMsml(event);
    const info = leg.dialog.createRequest("INFO", {
      contentType: MSML_CONTENT_TYPE,
      body: Buffer.from(
        serializeMsmlEvent({
          version: "1.1",
          name,
          id: event.session.dialogId,
          fields,
        }),
        "utf8",
      ),
    });
    await ua.sendInDialog(leg.dialog, info);
  } catch (error) {
    errors.report("recording_report", error, leg.connId);
  }
}
