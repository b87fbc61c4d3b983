export {
  DEFAULT_DTMF_MASKING,
  DEFAULT_RECORDING_ENCRYPTION,
  DTMF_MASKING_MODES,
  type RecordingEncryption,
  type DtmfMasking,
  MSML_CONTENT_TYPE,
  MSML_VERSION,
  MsmlError,
  type MsmlDeleteWhen,
  type MsmlDocument,
  type MsmlEvent,
  type MsmlPlay,
  type MsmlRecord,
  type MsmlRecordParticipant,
  type MsmlRequest,
  type MsmlRequestItem,
  type MsmlResult,
  type MsmlStream,
  type MsmlTone,
} from "./msml-types";
export { TONE_LIMITS, formatToneUri, parseToneUri } from "./msml-play";
export { MsmlStatus, describeMsmlStatus, type MsmlStatusCode, type MsmlStatusName } from "./msml-status";
export {
  formatMsmlDuration,
  isConferenceId,
  isDialogId,
  isIndependentId,
  isObjectId,
  isSendTarget,
  isSipOrSipsUri,
  parseMsmlDuration,
  parseMsmlIdentifier,
  type MsmlIdentifierTerm,
  type MsmlObjectClass,
} from "./msml-identifiers";
export { MOML_DIALOG_TYPE, parseMsml } from "./msml-parse";
export { serializeMsmlEvent, serializeMsmlRequest, serializeMsmlResult } from "./msml-serialize";
export { MAX_MSML_BYTES } from "./msml-xml";
export {
  ENGINE_BOOT_HEADER,
  LOAD_HEADER,
  OWNED_LEGS_HEADER,
  PREFER_CODEC_HEADER,
  RECORDING_EVENTS,
  RECORDING_EVENT_PREFIX,
  RecordingEventField,
  SERVER_BOOT_HEADER,
  parseOwnedLegs,
  parseRecordingEventName,
  recordingEventName,
  type RecordingEventName,
} from "./engine-contract";
export {
  HEARTBEAT_PORT_HEADER,
  MAX_HEARTBEAT_BYTES,
  parseHeartbeat,
  serializeHeartbeat,
  type HeartbeatMessage,
  type HeartbeatPing,
  type HeartbeatPong,
} from "./engine-heartbeat";
export {
  ENGINE_AUTH_HEADER,
  ENGINE_AUTH_WINDOW_S,
  checkEngineAuth,
  parseEngineAuth,
  signEngineRequest,
  type SignedRequest,
} from "./engine-auth";
