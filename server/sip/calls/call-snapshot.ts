import { z } from "zod";
import {
  DialogState,
  restoreDialog,
  snapshotDialog,
  type Dialog,
  type DialogSnapshot,
  type SipAddress,
} from "../../../sip-core";
import type { MediaLegHandle } from "../media/media-engine-pool";
import { Call, CallState, type CallParty } from "./call";

/**
 * CSeq numbers a restored dialog skips: a snapshot is written when a call is established or
 * changes parties, not for every INFO (recording control) or re-INVITE sent in its dialogs since.
 */
export const RESTORED_CSEQ_GAP = 1_000;

const zSipAddress = z.object({
  transport: z.enum(["UDP", "TCP", "TLS", "WS", "WSS"]),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65_535),
  connectionId: z.string().optional(),
});

const zDialog = z.object({
  id: z.object({ callId: z.string().min(1), localTag: z.string(), remoteTag: z.string() }),
  state: z.enum([DialogState.Early, DialogState.Confirmed]),
  local: z.string().min(1),
  remote: z.string().min(1),
  localSeq: z.number().int().nonnegative().nullable(),
  remoteSeq: z.number().int().nonnegative().nullable(),
  remoteTarget: z.string().min(1),
  routeSet: z.array(z.string()).readonly(),
  localContact: z.string().nullable(),
  secure: z.boolean(),
  flow: zSipAddress.nullable(),
});

const zParty = z.object({
  kind: z.enum(["extension", "trunk"]),
  dn: z.string(),
  number: z.string(),
});

const zMediaLeg = z.object({
  engineUri: z.string().min(1),
  connId: z.string().min(1),
  engineBoot: z.string().nullable(),
  answer: z.string(),
  dialog: zDialog,
});

/** What a restarted SIP Server needs to go on with an established call; stored as JSON. */
export const zCallSnapshot = z.object({
  version: z.literal(1),
  connId: z.string().min(1),
  callId: z.string().min(1),
  dialed: z.string(),
  startedAt: z.string().datetime(),
  establishedAt: z.string().datetime(),
  routeExtensions: z.record(z.string(), z.string()),
  caller: z.object({ party: zParty, dialog: zDialog, media: zMediaLeg }),
  callee: z.object({
    party: zParty,
    destination: zSipAddress,
    requestUri: z.string().optional(),
    dialog: zDialog,
    media: zMediaLeg,
  }),
});
export type CallSnapshot = z.infer<typeof zCallSnapshot>;

/** The snapshot of an established call, or undefined when it is not (yet, or any more) one to keep. */
export function snapshotCall(call: Call): CallSnapshot | undefined {
  const { caller, callee } = call;
  if (call.state !== CallState.Established || call.establishedAt === undefined) return undefined;
  if (caller.dialog === undefined || caller.media === undefined || caller.media.closed) return undefined;
  if (callee?.dialog === undefined || callee.media === undefined || callee.media.closed) return undefined;
  return {
    version: 1,
    connId: call.connId,
    callId: call.callId,
    dialed: call.dialed,
    startedAt: call.startedAt.toISOString(),
    establishedAt: call.establishedAt.toISOString(),
    routeExtensions: { ...call.routeExtensions },
    caller: {
      party: { ...caller.party },
      dialog: snapshotDialog(caller.dialog),
      media: mediaOf(caller.media),
    },
    callee: {
      party: { ...callee.party },
      destination: { ...callee.destination },
      ...(callee.requestUri === undefined ? {} : { requestUri: callee.requestUri }),
      dialog: snapshotDialog(callee.dialog),
      media: mediaOf(callee.media),
    },
  };
}

/** The call again, established, its four dialogs (two parties, two media legs) ready for in-dialog requests. */
export function restoreCall(snapshot: CallSnapshot): Call {
  const caller = { party: snapshot.caller.party as CallParty, ...legOf(snapshot.caller) };
  const callee = {
    party: snapshot.callee.party as CallParty,
    destination: snapshot.callee.destination as SipAddress,
    ...(snapshot.callee.requestUri === undefined ? {} : { requestUri: snapshot.callee.requestUri }),
    ...legOf(snapshot.callee),
    provisional: false,
    cancelRequested: false,
  };
  const call = Call.established(snapshot.connId, caller, callee, snapshot.dialed, snapshot.callId, {
    startedAt: new Date(snapshot.startedAt),
    establishedAt: new Date(snapshot.establishedAt),
  });
  call.routeExtensions = { ...snapshot.routeExtensions };
  return call;
}

/**
 * Whether a restored party can still be reached: a dialog whose flow was a connection the
 * restart closed (a browser's WebSocket, RFC 7118 §5: its Contact is not reachable) cannot.
 */
export function reachableAfterRestart(dialog: Dialog): boolean {
  const flow = dialog.flow;
  return !(flow?.connectionId !== undefined && (flow.transport === "WS" || flow.transport === "WSS"));
}

function mediaOf(media: MediaLegHandle): CallSnapshot["caller"]["media"] {
  return {
    engineUri: media.engineUri,
    connId: media.connId,
    engineBoot: media.engineBoot ?? null,
    answer: media.answer.toString("utf8"),
    dialog: snapshotDialog(media.dialog),
  };
}

function legOf(leg: CallSnapshot["caller"]): { dialog: Dialog; media: MediaLegHandle } {
  return {
    dialog: restoreDialog(leg.dialog as DialogSnapshot, RESTORED_CSEQ_GAP),
    media: {
      engineUri: leg.media.engineUri,
      connId: leg.media.connId,
      engineBoot: leg.media.engineBoot ?? undefined,
      answer: Buffer.from(leg.media.answer, "utf8"),
      dialog: restoreDialog(leg.media.dialog as DialogSnapshot, RESTORED_CSEQ_GAP),
      closed: false,
    },
  };
}
