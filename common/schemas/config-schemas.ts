import { z } from "zod";
import { DTMF_MASKING_MODES } from "../../protocol/msml/msml-types";
import { MEDIA_ENCRYPTION_POLICIES } from "../../protocol/msml/engine-contract";
import { ROLES } from "../roles";

/**
 * The zod schemas shared by the tRPC procedures, the forms in app/ and the CLI,
 * so that a value refused in one place is refused with the same words everywhere.
 */
/**
 * The longest value each text field takes: the schemas below refuse longer, and the forms give
 * their inputs the same `maxLength`, so a person cannot type what Save would refuse.
 */
export const MAX_LENGTH = {
  dnNumber: 32,
  displayName: 64,
  sipPassword: 128,
  /** host:port of a trunk's peer (a DNS name is at most 253 characters). */
  peer: 260,
  digits: 32,
  /** A trunk's inbound numbers as the form takes them: up to 64 numbers, comma separated. */
  inboundNumbersText: 64 * (32 + 2),
  toneEverySeconds: 4,
  agentLoginCode: 32,
  agentLoginName: 64,
  recorderName: 64,
  recorderUri: 256,
  playbackUrl: 500,
  username: 32,
  userPassword: 256,
  apiTokenName: 64,
  search: 64,
} as const;

export const DN_TYPES = ["extension", "trunk", "routing_point"] as const;
export type DnType = (typeof DN_TYPES)[number];

export const ROUTE_RECORD_VALUES = [
  "none",
  "destination",
  "source",
  "disable_source",
  "disable_destination",
] as const;
export type RouteRecord = (typeof ROUTE_RECORD_VALUES)[number];

/** What of a party's key presses recordings leave out (the media engine's `dtmfmask`). */
export { DTMF_MASKING_MODES, type DtmfMasking } from "../../protocol/msml/msml-types";
export { MEDIA_ENCRYPTION_POLICIES, type MediaEncryptionPolicy } from "../../protocol/msml/engine-contract";
export const zDtmfMasking = z.enum(DTMF_MASKING_MODES, {
  error: "DTMF masking must be off, events or events+inband",
});

/** SRTP on a party's legs or a recorder's streams (issue 15 §2); `required` refuses plain RTP. */
export const zMediaEncryption = z.enum(MEDIA_ENCRYPTION_POLICIES, {
  error: "media encryption must be off, optional or required",
});

/**
 * Recording notification tone per DN and trunk (issue 15 §7), from the least to the most: `off`,
 * `start` (when a recording starts or resumes), `repeat` (and every N seconds while it records).
 */
export const RECORDING_TONE_MODES = ["off", "start", "repeat"] as const;
export type RecordingTone = (typeof RECORDING_TONE_MODES)[number];
export const zRecordingTone = z.enum(RECORDING_TONE_MODES, {
  error: "recording tone must be off, start or repeat",
});
/** Who hears the tone: both parties, the customer (trunk side) or the agent (extension side). */
export const RECORDING_TONE_PARTIES = ["both", "customer", "agent"] as const;
export type RecordingToneParties = (typeof RECORDING_TONE_PARTIES)[number];
export const zRecordingToneParties = z.enum(RECORDING_TONE_PARTIES, {
  error: "recording tone parties must be both, customer or agent",
});
export const zRecordingToneEverySeconds = z
  .number({ error: "the tone's repeat interval is a number of seconds" })
  .int("the tone's repeat interval is a whole number of seconds")
  .min(5, "the tone repeats at most every 5 seconds")
  .max(3600, "the tone repeats at least every hour");

export const zDnNumber = z
  .string()
  .trim()
  .regex(
    new RegExp(`^[A-Za-z0-9][A-Za-z0-9_.+-]{0,${MAX_LENGTH.dnNumber - 1}}$`),
    "DN number: 1–32 letters, digits, '.', '_', '+' or '-', starting with a letter or digit",
  );

export const zDnType = z.enum(DN_TYPES, { error: "type must be extension, trunk or routing-point" });

export const zSipPassword = z
  .string()
  .min(6, "SIP password must be at least 6 characters")
  .max(MAX_LENGTH.sipPassword, `SIP password must be at most ${MAX_LENGTH.sipPassword} characters`)
  .regex(/^[\x21-\x7e]+$/, "SIP password: printable ASCII without spaces");

const hostPattern =
  /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)$/;

export const zPeer = z
  .string()
  .trim()
  .max(MAX_LENGTH.peer, `peer is at most ${MAX_LENGTH.peer} characters`)
  .transform((value, ctx) => {
    const match = /^(.+):(\d{1,5})$/.exec(value);
    const host = match?.[1] ?? value;
    const port = match?.[2] !== undefined ? Number(match[2]) : 5060;
    if (!hostPattern.test(host) || port < 1 || port > 65535) {
      ctx.addIssue({ code: "custom", message: "peer must be host:port, e.g. 127.0.0.1:5062" });
      return z.NEVER;
    }
    return { host, port };
  });

export const zDigits = z
  .string()
  .trim()
  .regex(
    new RegExp(`^[0-9*#+]{1,${MAX_LENGTH.digits}}$`),
    `must be 1–${MAX_LENGTH.digits} digits (0-9, *, #, +)`,
  );

export const zKeyValueParams = z
  .record(
    z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "param names: letters, digits, '_', '.', '-'"),
    z.string().max(512, "param values are at most 512 characters"),
  )
  .refine((r) => Object.keys(r).length <= 32, "at most 32 params");

export const zSetDnInput = z.object({
  /**
   * `create` refuses a number that exists (an admin adding a DN must never overwrite one),
   * `update` a number that does not; without it (the CLI's `dn set`) the DN is created or updated.
   */
  intent: z.enum(["create", "update"]).optional(),
  number: zDnNumber,
  type: zDnType,
  displayName: z
    .string()
    .trim()
    .max(MAX_LENGTH.displayName, `display name is at most ${MAX_LENGTH.displayName} characters`)
    .optional(),
  record: z.boolean().optional(),
  password: zSipPassword.optional(),
  peer: zPeer.optional(),
  /** Trunks: calls count as the trunk's only from the peer's port too (default), or from any port of its address. */
  peerPortMatch: z.boolean().optional(),
  inboundNumbers: z.array(zDigits).max(64).optional(),
  outboundPrefix: zDigits.nullable().optional(),
  routeTarget: zDnNumber.nullable().optional(),
  routeRecord: z
    .enum(ROUTE_RECORD_VALUES, {
      error: "route record must be none, destination, source, disable_source or disable_destination",
    })
    .optional(),
  routeParams: zKeyValueParams.optional(),
  dtmfMasking: zDtmfMasking.optional(),
  mediaEncryption: zMediaEncryption.optional(),
  recordingTone: zRecordingTone.optional(),
  recordingToneEverySeconds: zRecordingToneEverySeconds.optional(),
  recordingToneParties: zRecordingToneParties.optional(),
});
export type SetDnInput = z.input<typeof zSetDnInput>;

export const zAgentLoginCode = z
  .string()
  .trim()
  .regex(
    new RegExp(`^[0-9A-Za-z_.-]{1,${MAX_LENGTH.agentLoginCode}}$`),
    `login code: 1–${MAX_LENGTH.agentLoginCode} letters or digits`,
  );

export const zSetAgentLoginInput = z.object({
  loginCode: zAgentLoginCode,
  name: z
    .string()
    .trim()
    .max(MAX_LENGTH.agentLoginName, `name is at most ${MAX_LENGTH.agentLoginName} characters`)
    .optional(),
  record: z.boolean().optional(),
  /** As for DNs: "create" refuses a code in use, "update" one deleted meanwhile; absent is either. */
  intent: z.enum(["create", "update"]).optional(),
});

export const zRecorderName = z
  .string()
  .trim()
  .regex(
    new RegExp(`^[A-Za-z0-9][A-Za-z0-9 _.-]{0,${MAX_LENGTH.recorderName - 1}}$`),
    `recorder name: 1–${MAX_LENGTH.recorderName} letters, digits, spaces, '_', '.', '-'`,
  );

/** Recorders are reached over SIPREC: only SIP and SIPS URIs. Local file recording is not supported. */
export const zRecorderUri = z
  .string()
  .trim()
  .max(MAX_LENGTH.recorderUri, `recorder URI is at most ${MAX_LENGTH.recorderUri} characters`)
  .refine((v) => !/^file:/i.test(v), "local file recording is not supported: give a sip: or sips: URI")
  .refine(
    (v) => /^sips?:([^@\s]+@)?[A-Za-z0-9.\-[\]:]+(;[^\s]*)?$/.test(v),
    "recorder URI must be sip:host[:port] or sips:…",
  );

/**
 * How recordings use the recorder list: `failover` sends each recording to the first recorder
 * that answers; `parallel` sends it to two recorders at once (dual recording), each copy with
 * its own SIPREC session, for recordings that must never be lost.
 */
export const RECORDER_MODES = ["failover", "parallel"] as const;
export const zRecorderMode = z.enum(RECORDER_MODES, { error: "mode must be failover or parallel" });
export type RecorderMode = z.infer<typeof zRecorderMode>;
export const zSetRecorderModeInput = z.object({ mode: zRecorderMode });

/** Who may stop a full-time recording (record=true): supervisors and admins, or every party too. */
export const FULL_TIME_STOP_RULES = ["supervisors", "anyone"] as const;
export const zFullTimeStopRule = z.enum(FULL_TIME_STOP_RULES, {
  error: "who may stop a full-time recording: supervisors or anyone",
});
export type FullTimeStopRule = z.infer<typeof zFullTimeStopRule>;
export const zSetFullTimeStopInput = z.object({ fullTimeStop: zFullTimeStopRule });

/** Whether stopping a recording needs a reason (stored and shown in the history). */
export const STOP_REASON_RULES = ["required", "optional"] as const;
export const zStopReasonRule = z.enum(STOP_REASON_RULES, { error: "stop reason: required or optional" });
export type StopReasonRule = z.infer<typeof zStopReasonRule>;
/** The longest pause, in seconds, before the recording resumes by itself; 0: no limit. */
export const zMaxPauseSeconds = z
  .number({ error: "maximum pause: a number of seconds" })
  .int("maximum pause: whole seconds")
  .min(0, "maximum pause: 0 (no limit) or more seconds")
  .max(24 * 3600, "maximum pause: at most 86400 s");
export const zSetComplianceInput = z.object({
  stopReason: zStopReasonRule.optional(),
  maxPauseSeconds: zMaxPauseSeconds.optional(),
});
/**
 * Where a third-party recorder plays a recording: an http(s) URL with `{id}` where the recording
 * id goes (e.g. https://rec.example/play?id={id}). Only http(s): the link is put in front of
 * supervisors, and a javascript: URL there would run in the app's origin.
 */
export const zPlaybackUrlTemplate = z
  .string()
  .trim()
  .max(MAX_LENGTH.playbackUrl, `playback URL: at most ${MAX_LENGTH.playbackUrl} characters`)
  .refine(
    (v) => v === "" || (/^https?:\/\/[^\s]+$/i.test(v) && v.includes("{id}")),
    "playback URL must be http(s)://… with {id} where the recording id goes",
  );

export const zSetRecorderInput = z.object({
  name: zRecorderName,
  uri: zRecorderUri.optional(),
  position: z.number().int().min(1, "position starts at 1").max(100).optional(),
  enabled: z.boolean().optional(),
  /** SRTP on the recording streams sent to this recorder (default off: not every recorder does SRTP). */
  mediaEncryption: zMediaEncryption.optional(),
  /** A third-party recorder's player, `{id}` standing for the recording id; "" for none. */
  playbackUrl: zPlaybackUrlTemplate.optional(),
  /**
   * What the person meant: "create" (the admin page's Add) refuses a name that exists, "update"
   * (Edit, row buttons) one that was deleted meanwhile; absent (CLI `recorder set`) is either.
   */
  intent: z.enum(["create", "update"]).optional(),
});

export const zUsername = z
  .string()
  .trim()
  .regex(
    new RegExp(`^[a-z0-9][a-z0-9_.-]{1,${MAX_LENGTH.username - 1}}$`),
    `username: 2–${MAX_LENGTH.username} lowercase letters, digits, '_', '.', '-'`,
  );
export const zUserPassword = z
  .string()
  .min(8, "password must be at least 8 characters")
  .max(MAX_LENGTH.userPassword, `password is at most ${MAX_LENGTH.userPassword} characters`);
export const zRole = z.enum(ROLES, { error: "role must be admin, supervisor or agent" });

/** null clears a binding; undefined (in an update) leaves it as it is. */
const userBindings = {
  extension: zDnNumber.nullable().optional(),
  agentLoginCode: zAgentLoginCode.nullable().optional(),
};
export const zCreateUserInput = z.object({
  username: zUsername,
  password: zUserPassword,
  role: zRole,
  ...userBindings,
});
export const zUpdateUserInput = z.object({
  username: zUsername,
  password: zUserPassword.optional(),
  /** With a new password: also revoke the user's API tokens (their sessions always end). */
  revokeApiTokens: z.boolean().optional(),
  role: zRole.optional(),
  /** Disable (true) or enable (false) the account. */
  disabled: z.boolean().optional(),
  ...userBindings,
});

export const zLoginInput = z.object({
  username: z.string().trim().min(1, "enter your username").max(64),
  password: z.string().min(1, "enter your password").max(256),
});

// ---- Inputs of the configuration API (server/trpc/routers), beside the fields they use.

export const zDnListInput = z
  .object({
    type: zDnType.optional(),
    record: z.boolean().optional(),
    search: z.string().max(MAX_LENGTH.search).optional(),
  })
  .optional();
export const zDnNumberInput = z.object({ number: zDnNumber });
export const zDnSetRecordInput = z.object({ number: zDnNumber, record: z.boolean() });
export const zDnSetRecordManyInput = z.object({
  numbers: z.array(zDnNumber).min(1, "select at least one DN").max(500),
  record: z.boolean(),
});

export const zAgentLoginListInput = z
  .object({ record: z.boolean().optional(), search: z.string().max(64).optional() })
  .optional();
export const zAgentLoginCodeInput = z.object({ loginCode: zAgentLoginCode });

export const zRecorderNameInput = z.object({ name: zRecorderName });

export const zUsernameInput = z.object({ username: zUsername });
/** What an API token may do: `read-only` runs queries and subscriptions only; `full` mutations too. */
export const API_TOKEN_SCOPES = ["read-only", "full"] as const;
export type ApiTokenScope = (typeof API_TOKEN_SCOPES)[number];
export const zApiTokenScope = z.enum(API_TOKEN_SCOPES, { error: "scope must be read-only or full" });
/** The lifetimes an admin picks from, in days; null: never expires. */
export const API_TOKEN_EXPIRY_DAYS = [30, 90, 365] as const;
export const DEFAULT_API_TOKEN_EXPIRY_DAYS = 90;
export const zCreateApiTokenInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, "give the token a name")
    .max(MAX_LENGTH.apiTokenName, `token name is at most ${MAX_LENGTH.apiTokenName} characters`),
  username: zUsername.optional(),
  /** Days until it expires (30, 90 or 365), or null for never; 90 when left out. */
  expiresInDays: z
    .union([z.literal(30), z.literal(90), z.literal(365), z.null()], {
      error: "expiry: 30, 90 or 365 days, or never",
    })
    .default(DEFAULT_API_TOKEN_EXPIRY_DAYS),
  scope: zApiTokenScope.default("full"),
});
export const zApiTokenIdInput = z.object({ id: z.string().min(1) });

/** The audit log's filters, the same for the page, its CSV export and the API. */
export const zAuditFilter = z.object({
  /** The person (username, or "system"). */
  actor: z.string().trim().max(MAX_LENGTH.username).optional(),
  action: z.string().trim().max(64).optional(),
  entity: z.string().max(32).optional(),
  /** The object: its number or name (as when written), or its id. */
  entityId: z.string().trim().max(64).optional(),
  /** Inclusive bounds of the event time (a script may send ISO 8601 text). */
  from: z.coerce.date({ error: "from: a date and time, e.g. 2026-12-06T00:00:00Z" }).optional(),
  to: z.coerce.date({ error: "to: a date and time, e.g. 2026-12-06T23:59:59Z" }).optional(),
});
export type AuditFilter = z.infer<typeof zAuditFilter>;
export const AUDIT_PAGE_SIZES = [25, 50, 100, 200] as const;
export const zAuditListInput = zAuditFilter
  .extend({
    limit: z.number().int().min(1).max(500).default(100),
    /** 0-based page of `limit` rows, newest first. */
    page: z.number().int().min(0).max(100_000).default(0),
  })
  .default({ limit: 100, page: 0 });
/** The CSV export stops at this many rows (newest first) and says so. */
export const AUDIT_CSV_MAX_ROWS = 50_000;
