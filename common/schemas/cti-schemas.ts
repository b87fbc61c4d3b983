import { z } from "zod";
import { zAgentLoginCode, zDnNumber, zKeyValueParams } from "./config-schemas";

const base = { referenceId: z.number().int().nonnegative().optional() };
/** A Not Ready reason code, as a desktop picks it from its list ("Break", "Training", "ACW"). */
export const zReasonCode = z
  .string()
  .trim()
  .max(64, "a reason code is at most 64 characters")
  .regex(/^[\w .:/-]*$/, "a reason code has letters, digits, spaces and . : / - _ only");
const zConnId = z.string().trim().min(1, "ConnID is mandatory").max(128);

/** T-Library requests accepted by the CTI API, one object per request type. */
export const zCtiRequest = z.discriminatedUnion("request", [
  z.object({ request: z.literal("TAgentLogin"), thisDn: zDnNumber, agentId: zAgentLoginCode, ...base }),
  z.object({ request: z.literal("TAgentLogout"), thisDn: zDnNumber, ...base }),
  z.object({ request: z.literal("TAgentSetReady"), thisDn: zDnNumber, ...base }),
  z.object({
    request: z.literal("TAgentSetNotReady"),
    thisDn: zDnNumber,
    /** Why (a break, training, after-call work…): the T-Library Reasons' ReasonCode. */
    reasonCode: zReasonCode.optional(),
    ...base,
  }),
  z.object({
    request: z.literal("TRouteCall"),
    thisDn: zDnNumber,
    connId: zConnId,
    otherDn: zDnNumber,
    extensions: zKeyValueParams.optional(),
    ...base,
  }),
  z.object({ request: z.literal("TReleaseCall"), thisDn: zDnNumber, connId: zConnId, ...base }),
  z.object({
    request: z.literal("TSingleStepTransfer"),
    thisDn: zDnNumber,
    connId: zConnId,
    otherDn: zDnNumber,
    ...base,
  }),
  z.object({
    request: z.literal("TRequestPrivateService"),
    thisDn: zDnNumber,
    connId: zConnId,
    privateMsgId: z.number().int(),
    extensions: zKeyValueParams.optional(),
    ...base,
  }),
]);
export type CtiRequest = z.infer<typeof zCtiRequest>;

/** Which DNs' events to follow (all when none are given; an agent only their own). */
export const zCtiEventsInput = z.object({ dns: z.array(zDnNumber).max(200).optional() }).optional();
export const zDnInput = z.object({ dn: zDnNumber });

/** A softphone credential for the extension bound to the signed-in user (`dn`: which one it expects). */
export const zSoftphoneCredentialInput = z.object({ dn: zDnNumber.optional() }).optional();
