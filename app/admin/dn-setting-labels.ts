import type {
  DtmfMasking,
  MediaEncryptionPolicy,
  RecordingTone,
  RecordingToneParties,
} from "../../common/schemas/config-schemas";

/** How the per-party recording and media settings of a DN read in the admin form. */

/** How each media encryption policy reads in the form. */
export const MEDIA_ENCRYPTION_LABELS: Record<MediaEncryptionPolicy, string> = {
  optional: "SRTP when the party offers it",
  required: "SRTP required: plain RTP refused (488)",
  off: "off: plain RTP only",
};

/** How each DTMF masking mode reads in the form. */
export const DTMF_MASKING_LABELS: Record<DtmfMasking, string> = {
  "events+inband": "keys and tones (recommended)",
  events: "key events only",
  off: "off: key presses are recorded",
};

/** How each recording tone mode reads in the form. */
export const RECORDING_TONE_LABELS: Record<RecordingTone, string> = {
  off: "off",
  start: "when a recording starts or resumes",
  repeat: "at start and resume, then every N seconds",
};

/** Who hears the recording tone. */
export const RECORDING_TONE_PARTY_LABELS: Record<RecordingToneParties, string> = {
  both: "both parties",
  customer: "the customer (trunk side)",
  agent: "the agent (extension side)",
};
