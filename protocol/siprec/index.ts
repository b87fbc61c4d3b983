export { MAX_METADATA_BYTES } from "./metadata-xml";
export {
  FORKLINE_NS,
  RECORDING_NS,
  RS_METADATA_CONTENT_TYPE,
  newMetadataId,
  parseRecordingMetadata,
  serializeRecordingMetadata,
  type DataMode,
  type MetadataParticipant,
  type MetadataStream,
  type ParticipantRole,
  type RecordingMetadata,
} from "./recording-metadata";
export {
  SIPREC_OPTION_TAG,
  SRC_FEATURE_TAG,
  isSiprecInvite,
  type SiprecInviteHeaders,
} from "./siprec-invite";
