import { formatSipUri, parseSipUri } from "../protocol/sip";
import { Dialog, DialogState, type DialogId } from "./dialog";
import type { SipAddress } from "./sip-address";

/**
 * A dialog's state (RFC 3261 §12: "The state of a dialog consists of ... the dialog ID, a local
 * sequence number ..., a remote sequence number ..., a local URI, a remote URI, remote target,
 * a boolean flag called "secure", and a route set") as plain JSON, so a process that restarts can
 * go on with the dialogs it had: the other party never learns that it restarted.
 */
export interface DialogSnapshot {
  readonly id: DialogId;
  readonly state: DialogState.Early | DialogState.Confirmed;
  readonly local: string;
  readonly remote: string;
  readonly localSeq: number | null;
  readonly remoteSeq: number | null;
  readonly remoteTarget: string;
  readonly routeSet: readonly string[];
  readonly localContact: string | null;
  readonly secure: boolean;
  /** Where requests go; a connection id names a connection that a restart has closed. */
  readonly flow: SipAddress | null;
}

export function snapshotDialog(dialog: Dialog): DialogSnapshot {
  if (dialog.state === DialogState.Terminated)
    throw new TypeError("a terminated dialog has no state to keep");
  return {
    id: { ...dialog.id },
    state: dialog.state,
    local: dialog.local,
    remote: dialog.remote,
    localSeq: dialog.localSeq ?? null,
    remoteSeq: dialog.remoteSeq ?? null,
    remoteTarget: formatSipUri(dialog.remoteTarget),
    routeSet: [...dialog.routeSet],
    localContact: dialog.localContact ?? null,
    secure: dialog.secure,
    flow: dialog.flow === undefined ? null : { ...dialog.flow },
  };
}

/**
 * The dialog again, from a snapshot that may be older than the last request this side sent in it
 * (a snapshot is not rewritten for every INFO or re-INVITE): the local sequence number jumps by
 * `localSeqGap` so no CSeq is ever used twice. §12.2.2 lets the peer take that: "It is possible
 * for the CSeq sequence number to be higher than the remote sequence number by more than one.
 * This is not an error condition, and a UAS SHOULD be prepared to receive and process requests
 * with CSeq values more than one higher than the previous received request." The remote number
 * needs nothing: a request above the one kept is accepted anyway.
 */
export function restoreDialog(snapshot: DialogSnapshot, localSeqGap: number): Dialog {
  const flow = snapshot.flow ?? undefined;
  return new Dialog({
    id: snapshot.id,
    state: snapshot.state,
    local: snapshot.local,
    remote: snapshot.remote,
    localSeq: snapshot.localSeq === null ? undefined : snapshot.localSeq + localSeqGap,
    remoteSeq: snapshot.remoteSeq ?? undefined,
    remoteTarget: parseSipUri(snapshot.remoteTarget),
    routeSet: snapshot.routeSet,
    localContact: snapshot.localContact ?? undefined,
    secure: snapshot.secure,
    ...(flow === undefined ? {} : { flow }),
  });
}
