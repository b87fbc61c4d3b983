import { parseParamsString, type RecordSide } from "../../common/schemas/recording-schemas";
import { TErrorCode } from "./t-library-events";

/**
 * The T-Library side of recording control: Genesys SIP Server's private services
 * (`TRequestPrivateService` with AttrPrivateMsgID GSIP_RECORD_START 3013, _STOP 3014, _PAUSE 3015,
 * _RESUME 3016, and its `record`, `id`, `dest`, `dest2`, `params` extensions) decoded into a
 * recording request, and the `EventPrivateInfo` that tells the call's DNs what changed
 * (`GSIP_RECORD` = ON / PAUSED / OFF). The policy itself knows nothing of these encodings.
 */
export const GSIP_RECORD = { START: 3013, STOP: 3014, PAUSE: 3015, RESUME: 3016 } as const;
export type RecordingAction = "start" | "stop" | "pause" | "resume";
const ACTION_OF: Record<number, RecordingAction> = {
  [GSIP_RECORD.START]: "start",
  [GSIP_RECORD.STOP]: "stop",
  [GSIP_RECORD.PAUSE]: "pause",
  [GSIP_RECORD.RESUME]: "resume",
};
const MSG_ID_OF: Record<RecordingAction, number> = {
  start: GSIP_RECORD.START,
  stop: GSIP_RECORD.STOP,
  pause: GSIP_RECORD.PAUSE,
  resume: GSIP_RECORD.RESUME,
};

/** A refusal of the recording policy, turned into EventError (CTI) or a typed tRPC error by the caller. */
export class RecordingPolicyError extends Error {
  constructor(
    readonly code: TErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface DecodedRecordingRequest {
  action: RecordingAction;
  side: RecordSide;
  id?: string;
  dest?: string;
  dest2?: string;
  params?: Record<string, string>;
  /** Extension `reason`: why a recording is stopped. */
  reason?: string;
}

/** AttrPrivateMsgID and extensions → a recording request; RecordingPolicyError with a stable code otherwise. */
export function decodeRecordingPrivateService(
  privateMsgId: number,
  extensions: Record<string, string> = {},
): DecodedRecordingRequest {
  const action = ACTION_OF[privateMsgId];
  if (action === undefined) {
    throw new RecordingPolicyError(
      TErrorCode.UNKNOWN_PRIVATE_MESSAGE,
      `AttrPrivateMsgID ${privateMsgId} is not a recording request (3013 start, 3014 stop, 3015 pause, 3016 resume).`,
    );
  }
  const side = extensions.record ?? "source";
  if (side !== "source" && side !== "destination") {
    throw new RecordingPolicyError(
      TErrorCode.INVALID_DESTINATION,
      `record must be source or destination, not "${side}".`,
    );
  }
  let params: Record<string, string> | undefined;
  try {
    params = extensions.params === undefined ? undefined : parseParamsString(extensions.params);
  } catch (error) {
    throw new RecordingPolicyError(TErrorCode.INVALID_DESTINATION, (error as Error).message);
  }
  return {
    action,
    side,
    ...(extensions.id === undefined ? {} : { id: extensions.id }),
    ...(extensions.dest === undefined ? {} : { dest: extensions.dest }),
    ...(extensions.dest2 === undefined ? {} : { dest2: extensions.dest2 }),
    ...(params === undefined ? {} : { params }),
    ...(extensions.reason === undefined || extensions.reason.trim() === ""
      ? {}
      : { reason: extensions.reason.trim().slice(0, 200) }),
  };
}

/** What EventPrivateInfo says of one recording. */
export interface RecordingInfo {
  id: string;
  /** starting | recording | paused | interrupted | stopped | failed */
  state: string;
  side: RecordSide;
  trigger: string;
}

/** EventPrivateInfo for `thisDn`: what changed, on which side, GSIP_RECORD = ON / PAUSED / OFF. */
export function recordingInfoEvent(
  thisDn: string,
  connId: string,
  action: RecordingAction,
  recording: RecordingInfo,
  referenceId: number | null,
  why: string,
) {
  const status =
    recording.state === "paused"
      ? "PAUSED"
      : recording.state === "stopped" || recording.state === "failed"
        ? "OFF"
        : "ON";
  return {
    event: "EventPrivateInfo" as const,
    thisDn,
    otherDn: null,
    connId,
    agentId: null,
    referenceId,
    userData: {
      AttrPrivateMsgID: String(MSG_ID_OF[action]),
      GSIP_RECORD: status,
      GSIP_REC_ID: recording.id,
      GSIP_REC_SIDE: recording.side,
      GSIP_REC_TRIGGER: recording.trigger,
      reason: why,
    },
  };
}
