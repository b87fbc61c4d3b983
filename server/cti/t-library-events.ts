/**
 * T-Library vocabulary (Genesys SIP Server / T-Server) for Forkline's CTI API, so that
 * contact-centre developers meet the names they know: requests start with T, events with Event.
 */
export const T_EVENT_NAMES = [
  "EventRegistered",
  "EventUnregistered",
  "EventAgentLogin",
  "EventAgentLogout",
  "EventAgentReady",
  "EventAgentNotReady",
  "EventRinging",
  "EventDialing",
  "EventEstablished",
  "EventReleased",
  "EventRouteRequest",
  "EventRouteUsed",
  "EventPrivateInfo",
  "EventACK",
  "EventError",
] as const;
export type TEventName = (typeof T_EVENT_NAMES)[number];

export type UserData = Record<string, string>;

export type TEvent = {
  event: TEventName;
  /**
   * Unique across processes and restarts (a UUID given at publish, kept by the other instance of
   * an HA pair): the softphone tells a stored activity event and the same event live apart by it.
   */
  id: string;
  /** Monotonic per server process, so clients can order and de-duplicate. */
  seq: number;
  time: Date;
  /** The DN the event is reported on. */
  thisDn: string;
  otherDn: string | null;
  connId: string | null;
  agentId: string | null;
  /** Echo of the request's reference id, for EventACK/EventError answering a request. */
  referenceId: number | null;
  userData: UserData;
  /** EventError only: a stable code and a sentence saying why. */
  error?: { code: TErrorCode; message: string };
};

/** Stable error codes for EventError, in the spirit of T-Server's numeric errors. */
export enum TErrorCode {
  UNKNOWN_DN = "UNKNOWN_DN",
  UNKNOWN_AGENT = "UNKNOWN_AGENT",
  AGENT_ALREADY_LOGGED_IN = "AGENT_ALREADY_LOGGED_IN",
  DN_ALREADY_HAS_AGENT = "DN_ALREADY_HAS_AGENT",
  AGENT_NOT_LOGGED_IN = "AGENT_NOT_LOGGED_IN",
  INVALID_DN_TYPE = "INVALID_DN_TYPE",
  NO_SUCH_CALL = "NO_SUCH_CALL",
  NOT_SUPPORTED = "NOT_SUPPORTED",
  // Recording control (TRequestPrivateService GSIP_RECORD_*), one code per refusal of the policy.
  ALREADY_RECORDED = "ALREADY_RECORDED",
  DUPLICATE_RECORDING_ID = "DUPLICATE_RECORDING_ID",
  INVALID_DESTINATION = "INVALID_DESTINATION",
  NOT_RECORDING = "NOT_RECORDING",
  INVALID_TRANSITION = "INVALID_TRANSITION",
  NO_RECORDER = "NO_RECORDER",
  UNKNOWN_PRIVATE_MESSAGE = "UNKNOWN_PRIVATE_MESSAGE",
  MEDIA_ENGINE_REFUSED = "MEDIA_ENGINE_REFUSED",
  /** The requester's role may not do this (an agent stopping a full-time recording). */
  NOT_PERMITTED = "NOT_PERMITTED",
  /** A stop without the reason the compliance rules require. */
  REASON_REQUIRED = "REASON_REQUIRED",
}
