import { z } from "zod";

/**
 * What the two SIP Servers of an HA pair tell each other over PostgreSQL LISTEN/NOTIFY (one
 * channel, JSON payloads). Both ends are this same program, so the contract lives beside its
 * only user; every payload is validated on receipt — a bad one is counted and dropped.
 */
export const CLUSTER_CHANNEL = "forkline_cluster";

/**
 * PostgreSQL refuses a NOTIFY payload of 8000 bytes or more ("the payload string must be
 * shorter than 8000 bytes in the default configuration", NOTIFY documentation); a message
 * that would not fit is not sent (and counted), never truncated.
 */
export const MAX_PAYLOAD_BYTES = 7_900;

const zFrom = z.string().min(1);

export const zClusterMessage = z.discriminatedUnion("kind", [
  /** A T-Library event published on the sender (serialized TEvent). */
  z.object({ kind: z.literal("cti"), from: zFrom, event: z.record(z.string(), z.unknown()) }),
  /** Saved data changed on the sender: open pages and caches on the other instance follow. */
  z.object({
    kind: z.literal("change"),
    from: zFrom,
    topic: z.enum(["config", "alarm"]),
    change: z.unknown(),
  }),
  /** The active instance's live calls, one call per message (a whole list may not fit). */
  z.object({ kind: z.literal("live-call"), from: zFrom, call: z.record(z.string(), z.unknown()) }),
  z.object({ kind: z.literal("live-gone"), from: zFrom, connId: z.string() }),
  /** The complete set of live calls now: the receiver drops any other. */
  z.object({ kind: z.literal("live-set"), from: zFrom, connIds: z.array(z.string()) }),
  /** A new listener asks the active instance to send its live calls again. */
  z.object({ kind: z.literal("live-resync"), from: zFrom }),
  /** A request the active instance answers (CTI requests, recording control made on the backup). */
  z.object({
    kind: z.literal("request"),
    from: zFrom,
    id: z.string(),
    method: z.string(),
    params: z.unknown(),
  }),
  z.object({
    kind: z.literal("reply"),
    from: zFrom,
    to: z.string(),
    id: z.string(),
    ok: z.boolean(),
    result: z.unknown().optional(),
    error: z
      .object({
        name: z.string(),
        message: z.string(),
        code: z.union([z.string(), z.number()]).optional(),
        details: z.record(z.string(), z.unknown()).optional(),
      })
      .optional(),
  }),
]);

export type ClusterMessage = z.infer<typeof zClusterMessage>;
/** A message as sent: the link fills in `from`. */
export type OutgoingClusterMessage = ClusterMessage extends infer M
  ? M extends { from: string }
    ? Omit<M, "from">
    : never
  : never;
export type ClusterError = NonNullable<Extract<ClusterMessage, { kind: "reply" }>["error"]>;
