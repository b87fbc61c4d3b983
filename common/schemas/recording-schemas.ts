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
