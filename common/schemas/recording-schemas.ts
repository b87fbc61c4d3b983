import { z } from "zod";
import { zKeyValueParams, zRecorderUri } from "./config-schemas";

export const RECORD_SIDES = ["source", "destination"] as const;
export type RecordSide = (typeof RECORD_SIDES)[number];

/** A call's two parties as the SIP Server names them. */
export type CallSide = "caller" | "callee";

/**
 * The T-Library names for the sides of a call (the `record` extension of `TRouteCall` and
 * `TRequestPrivateService`): source is the caller, destination the callee.
 */
export function toRecordSide(side: CallSide): RecordSide {
  return side === "caller" ? "source" : "destination";
}

export function toCallSide(side: RecordSide): CallSide {
  return side === "source" ? "caller" : "callee";
}

export const zRecordingControlInput = z.object({
  callId: z.string().trim().min(1, "give a call id (ConnID)").max(128),
  side: z.enum(RECORD_SIDES, { error: "side must be source or destination" }).default("source"),
  id: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.:-]{1,128}$/, "recording id: 1–128 letters, digits, '_', '.', ':', '-'")
    .optional(),
  dest: zRecorderUri.optional(),
  params: zKeyValueParams.optional(),
  /** Why a recording is stopped (the compliance rule may require one); stored in the history. */
  reason: z.string().trim().max(200, "reason: at most 200 characters").optional(),
});

/** `k=v&k2=v2`, the form Genesys T-Library clients use for the `params` extension. */
export function parseParamsString(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of value.split("&")) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new Error(`params: "${pair}" is not key=value`);
    out[decodeURIComponent(pair.slice(0, eq))] = decodeURIComponent(pair.slice(eq + 1));
  }
  return out;
}

/** What started a recording, as the history stores it. */
export const RECORDING_TRIGGERS = [
  "full_time_dn",
  "full_time_agent",
  "full_time_trunk",
  "route",
  "private_service",
] as const;
export type RecordingTrigger = (typeof RECORDING_TRIGGERS)[number];

/**
 * A recording session's state in the history (the moves between them: server/services/recording/
 * recording-session-state.ts).
 */
export enum RecordingState {
  Starting = "starting",
  Recording = "recording",
  Paused = "paused",
  /** The recorder stopped acknowledging media; the engine is continuing it with another one. */
  Interrupted = "interrupted",
  Stopped = "stopped",
  Failed = "failed",
}

export const zRecordingHistoryInput = z.object({
  dn: z.string().trim().max(64).optional(),
  agentId: z.string().trim().max(32).optional(),
  trigger: z.enum(RECORDING_TRIGGERS).optional(),
  state: z.enum(RecordingState).optional(),
  text: z.string().trim().max(128).optional(),
  from: z.date().optional(),
  to: z.date().optional(),
  limit: z.number().int().min(1).max(500).default(100),
});

/** A recorded call's state in the call view: live while a session is, then what the recording is worth. */
export const CALL_STATES = ["live", "complete", "incomplete", "failed"] as const;
export type CallState = (typeof CALL_STATES)[number];

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((value) => (value === "" ? undefined : value));

/** Seconds of a call's duration, for the min/max filters. */
const zDurationSeconds = z
  .number()
  .int()
  .min(0)
  .max(7 * 24 * 3600)
  .optional();

/**
 * The call view's search (recording.calls): every filter optional, all must match. `agent` is an
 * agent login or part of its name or of its user's name; `customer` part of a party's number;
 * `text` part of a recording's id, ConnID or params. Pages run newest first; `cursor` is the
 * previous page's `nextCursor`.
 */
export const zRecordedCallsInput = z
  .object({
    agent: optionalText(64),
    customer: optionalText(64),
    dn: optionalText(64),
    text: optionalText(128),
    from: z.date().optional(),
    to: z.date().optional(),
    minDurationSeconds: zDurationSeconds,
    maxDurationSeconds: zDurationSeconds,
    hasPause: z.boolean().optional(),
    state: z.enum(CALL_STATES).optional(),
    cursor: z.string().max(200).optional(),
    limit: z.number().int().min(1).max(100).default(20),
  })
  .refine(
    (f) =>
      f.minDurationSeconds === undefined ||
      f.maxDurationSeconds === undefined ||
      f.minDurationSeconds <= f.maxDurationSeconds,
    { message: "the shortest duration is longer than the longest", path: ["maxDurationSeconds"] },
  )
  .refine((f) => f.from === undefined || f.to === undefined || f.from <= f.to, {
    message: "the date range ends before it starts",
    path: ["to"],
  });
export type RecordedCallsInput = z.input<typeof zRecordedCallsInput>;
export type RecordedCallsFilter = z.output<typeof zRecordedCallsInput>;

export const zAlarmAcknowledgeInput = z.object({ ids: z.array(z.string().min(1).max(64)).min(1).max(100) });
