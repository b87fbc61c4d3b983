import type { Role } from "../../../common/roles";
import type { RecordSide } from "../../../common/schemas/recording-schemas";
import type { CallController } from "../../sip/calls/call-controller";

export interface RecordingRequest {
  connId: string;
  /** The DN asking (CTI ThisDN); need not be a party (a supervisor). Absent for API callers. */
  thisDn?: string;
  side: RecordSide;
  id?: string;
  dest?: string;
  /** A second recorder to record to at the same time (Genesys T-Library `dest2`). */
  dest2?: string;
  params?: Record<string, string>;
  /** Who asked, for the history: "cti:1003", "user:supervisor", "route:7000". */
  by: string;
  /**
   * The asking user's role, when a signed-in user or API token asked: what the compliance rules
   * judge (an agent may not stop a full-time recording). Absent for routing strategies, the
   * system and CTI clients that are applications.
   */
  role?: Role;
  /** Why the recording is stopped (compliance may require one); stored in the history. */
  reason?: string;
}

/** What the policy needs of the call layer (CallController implements it). */
export type RecordingCallLayer = Pick<
  CallController,
  "get" | "listen" | "startRecording" | "controlRecording" | "playTone"
>;

/** A call went on without its recording (RecorderFailed alarm): what the alarm names. */
export interface RecorderFailure {
  connId: string;
  recordingId?: string;
  recorder?: string;
  reason: string;
}
