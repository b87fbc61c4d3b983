import { toRecordSide } from "../../../common/schemas/recording-schemas";
import { recordingInfoEvent, type RecordingAction, type RecordingPolicyError } from "../../cti/gsip-record";
import type { CtiEventBus } from "../../cti/cti-event-bus";
import type { PrivateServiceRequest } from "../../cti/cti-service";
import type { TEvent } from "../../cti/t-library-events";
import type { Call } from "../../sip/calls/call";
import type { LiveRecording } from "./live-recording-store";

/** What CTI clients are told about recordings: EventPrivateInfo (GSIP_RECORD = ON/PAUSED/OFF) and EventError. */
export class RecordingAnnouncer {
  constructor(private readonly cti: CtiEventBus) {}

  /** EventPrivateInfo to the DNs of the call: what changed, on which side. */
  announce(call: Call, recording: LiveRecording, action: RecordingAction, why: string): void {
    for (const party of [call.caller.party, call.callee?.party]) {
      if (party === undefined) continue;
      this.cti.publish(this.infoEvent(party.dn, call.connId, action, recording, null, why));
    }
  }

  /**
   * The answer to a TRequestPrivateService, to the requester's referenceId (the parties were
   * told already).
   */
  answer(
    thisDn: string,
    connId: string,
    action: RecordingAction,
    recording: LiveRecording,
    referenceId: number | null,
  ): TEvent {
    return this.cti.publish(this.infoEvent(thisDn, connId, action, recording, referenceId, `cti:${thisDn}`));
  }

  /** A TRequestPrivateService the policy refused: EventError to the requester. */
  refused(req: PrivateServiceRequest, error: RecordingPolicyError): TEvent {
    return this.cti.publish({
      event: "EventError",
      thisDn: req.thisDn,
      otherDn: null,
      connId: req.connId,
      agentId: null,
      referenceId: req.referenceId,
      userData: { AttrPrivateMsgID: String(req.privateMsgId) },
      error: { code: error.code, message: error.message },
    });
  }

  /** A recording nobody asked for by CTI did not start: EventError (GSIP_RECORD = OFF) to the call's DNs. */
  startFailed(call: Call, error: RecordingPolicyError): void {
    for (const party of [call.caller.party, call.callee?.party]) {
      if (party === undefined) continue;
      this.cti.publish({
        event: "EventError",
        thisDn: party.dn,
        otherDn: null,
        connId: call.connId,
        agentId: null,
        referenceId: null,
        userData: { GSIP_RECORD: "OFF" },
        error: { code: error.code, message: error.message },
      });
    }
  }

  private infoEvent(
    thisDn: string,
    connId: string,
    action: RecordingAction,
    recording: LiveRecording,
    referenceId: number | null,
    why: string,
  ) {
    return recordingInfoEvent(
      thisDn,
      connId,
      action,
      {
        id: recording.id,
        state: recording.state,
        side: toRecordSide(recording.callSide),
        trigger: recording.trigger,
      },
      referenceId,
      why,
    );
  }
}
