/**
 * The contract between the SIP Server and its media engines, beyond RFC 5707 itself: the SIP
 * headers each side adds, and the recording events the engine reports as MSML `<event>`
 * (RFC 5707 §7.4: "The event element is used to notify an event to a media server client")
 * in an INFO on the recorded leg's dialog. Both processes import it from here, so a name or a
 * field cannot drift between them.
 */

/** Engine → server, on OPTIONS answers: `legs=<n>;ports=<used>/<capacity>` (RTP ports, not pairs). */
export const LOAD_HEADER = "X-Forkline-Load";
/** Server → engine, on a leg's INVITE: the codec to choose (`PCMA/8000`), since the relay does not transcode. */
export const PREFER_CODEC_HEADER = "X-Forkline-Codec";
/**
 * Engine → server, on every OPTIONS and INVITE answer: a random id drawn when the engine
 * process starts. A different id from the same URI means the engine restarted, so every leg the
 * server had on the old instance is gone.
 */
export const ENGINE_BOOT_HEADER = "X-Forkline-Boot";
/**
 * Server → engine, on every OPTIONS and leg INVITE: the server instance's own boot id. The
 * engine remembers it per leg; legs opened by another server instance are orphans (their calls
 * died with that server) unless that instance's successor lists them in {@link OWNED_LEGS_HEADER}.
 */
export const SERVER_BOOT_HEADER = "X-Forkline-Server-Boot";
/**
 * Server → engine, on OPTIONS: the MSML connection ids (`conn:…`, comma separated) on this
 * engine that the server still owns. On an OPTIONS with a server boot id it has not seen, the
 * engine releases (quietly: no BYE, the dialogs died with the server) every leg that was opened
 * by another server boot id and is not listed.
 */
export const OWNED_LEGS_HEADER = "X-Forkline-Owned-Legs";

/**
 * Server → engine, on a leg's INVITE: whether the leg's media must be encrypted (SRTP with SDES
 * keys, RFC 3711/RFC 4568). `off`: plain RTP only, an offer with only RTP/SAVP gets 488;
 * `optional` (the default when the header is absent): SRTP when the offer asks for it, plain RTP
 * otherwise; `required`: an offer without RTP/SAVP and a usable a=crypto line gets 488. The
 * server sets it from the DN's or trunk's "media encryption" setting; WebRTC legs are always
 * DTLS-SRTP and ignore it.
 */
export const MEDIA_ENCRYPTION_HEADER = "X-Forkline-Media-Encryption";
export const MEDIA_ENCRYPTION_POLICIES = ["off", "optional", "required"] as const;
export type MediaEncryptionPolicy = (typeof MEDIA_ENCRYPTION_POLICIES)[number];
export const DEFAULT_MEDIA_ENCRYPTION: MediaEncryptionPolicy = "optional";

/**
 * The policy named by a header value or an MSML attribute (case-insensitive, trimmed); absent →
 * the default; anything else → undefined, which the receiver refuses (400 / MSML 4xx) rather than
 * guess: a typo must not quietly turn a `required` into plain RTP.
 */
export function parseMediaEncryption(value: string | undefined): MediaEncryptionPolicy | undefined {
  if (value === undefined || value.trim() === "") return DEFAULT_MEDIA_ENCRYPTION;
  const policy = value.trim().toLowerCase();
  return (MEDIA_ENCRYPTION_POLICIES as readonly string[]).includes(policy)
    ? (policy as MediaEncryptionPolicy)
    : undefined;
}

/** Prefix of every recording event name: `forkline.recording.<name>`. */
export const RECORDING_EVENT_PREFIX = "forkline.recording.";

/**
 * What the engine reports about one recording (one MSML dialog). Times are the engine's clock,
 * ISO 8601, taken when it acted.
 *
 * - `started`: the first recorder accepted; forwarding began at `at`. Fields: recorder, segment=1.
 * - `skipped`: a recorder was passed over (SIP error, ICMP unreachable, timeout) while starting
 *   or re-establishing. Fields: recorder, reason.
 * - `interrupted`: the recorder in use stopped acknowledging (no RTCP receiver report in time,
 *   ICMP errors, no answer to an in-dialog OPTIONS, its BYE). Media is no longer delivered;
 *   `at` is the time of the last packet the recorder acknowledged (start of the gap). Fields:
 *   recorder, reason, sent, acked.
 * - `continued`: a new SIPREC session (same recording id and metadata session id, next segment
 *   number) accepted the streams; forwarding restarted at `at` (end of the gap). Fields:
 *   recorder, segment.
 * - `paused` / `resumed`: forwarding stopped / restarted at `at`.
 * - `stopped`: the recording ended normally. Fields: sent, acked (see below).
 * - `failed`: the recording ended without a recorder (none answered at start, or the engine
 *   gave up). Fields: reason, sent, acked.
 *
 * `sent` counts RTP packets the engine forwarded to recorders for this recording (all streams,
 * all segments); `acked` counts those the recorders acknowledged in RTCP receiver reports
 * (RFC 3550 §6.4.2: extended highest sequence number received minus cumulative lost).
 */
export const RECORDING_EVENTS = [
  "started",
  "skipped",
  "interrupted",
  "continued",
  "paused",
  "resumed",
  "stopped",
  "failed",
] as const;
export type RecordingEventName = (typeof RECORDING_EVENTS)[number];

/** Field names of recording events (MSML `<name>`/`<value>` pairs). */
export const RecordingEventField = {
  recordingId: "recordingid",
  at: "at",
  recorder: "recorder",
  reason: "reason",
  segment: "segment",
  sent: "sent",
  acked: "acked",
} as const;

export function recordingEventName(name: RecordingEventName): string {
  return `${RECORDING_EVENT_PREFIX}${name}`;
}

/** The short name of a recording event, or undefined for any other MSML event. */
export function parseRecordingEventName(name: string): RecordingEventName | undefined {
  if (!name.startsWith(RECORDING_EVENT_PREFIX)) return undefined;
  const short = name.slice(RECORDING_EVENT_PREFIX.length);
  return (RECORDING_EVENTS as readonly string[]).includes(short) ? (short as RecordingEventName) : undefined;
}

/** `conn:a,conn:b` → ["conn:a", "conn:b"]; empty or absent → []. */
export function parseOwnedLegs(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}
