import type { Dialog, IncomingRequest, UserAgentCore } from "../../../sip-core";
import type { MediaEnginePool, MediaLegHandle } from "../media/media-engine-pool";
import { type Call, type CallParty, type CallState } from "./call";
import { reachableAfterRestart, restoreCall, snapshotCall, type CallSnapshot } from "./call-snapshot";
import type { CallStore } from "./call-store";

/** Which call an in-dialog request belongs to, and to which of its dialogs. */
export interface DialogOwner {
  readonly call: Call;
  readonly side: "caller" | "callee" | "media";
}

/** What the supervisor page and `forkline calls` show. */
export interface CallView {
  connId: string;
  state: CallState;
  caller: CallParty;
  callee: CallParty | null;
  dialed: string;
  startedAt: Date;
  establishedAt: Date | null;
}

export interface CallTableOptions {
  readonly ua: Pick<UserAgentCore, "registerDialog">;
  readonly media: Pick<MediaEnginePool, "adoptLeg">;
  /** Where established calls are kept for the next run of the server (none: calls end with the process). */
  readonly store?: CallStore;
  readonly onError: (error: unknown) => void;
}

/**
 * The calls this server holds, found by ConnID or by any of their dialogs (the parties' and the
 * media engine legs'), and their durable copy: established calls are saved to the call store
 * and taken up again from it after a restart.
 */
export class CallTable {
  private readonly calls = new Map<string, Call>();
  /** Dialog key → the call and the side it belongs to, for in-dialog requests. */
  private readonly byDialog = new Map<string, DialogOwner>();

  constructor(private readonly options: CallTableOptions) {}

  add(call: Call): void {
    this.calls.set(call.connId, call);
  }

  get(connId: string): Call | undefined {
    return this.calls.get(connId);
  }

  all(): Call[] {
    return [...this.calls.values()];
  }

  /** The call is over: no longer listed (its dialogs are untracked one by one). */
  delete(connId: string): void {
    this.calls.delete(connId);
  }

  /** The call whose caller sent this INVITE (a CANCEL or a missing ACK names the INVITE). */
  byInvite(invite: IncomingRequest): Call | undefined {
    return this.all().find((c) => c.caller.invite === invite);
  }

  /** In-dialog requests of `dialog` now belong to `call`. */
  track(dialog: Dialog, call: Call, side: DialogOwner["side"]): void {
    this.byDialog.set(dialog.key, { call, side });
  }

  untrack(dialog: Dialog): void {
    this.byDialog.delete(dialog.key);
  }

  ownerOf(dialog: Dialog): DialogOwner | undefined {
    return this.byDialog.get(dialog.key);
  }

  list(): CallView[] {
    return this.all().map((call) => ({
      connId: call.connId,
      state: call.state,
      caller: call.caller.party,
      callee: call.callee?.party ?? null,
      dialed: call.dialed,
      startedAt: call.startedAt,
      establishedAt: call.establishedAt ?? null,
    }));
  }

  /** The media engine legs this server's calls hold on an engine (told to it, so it keeps them). */
  legsOn(engineUri: string): string[] {
    return this.all().flatMap((call) =>
      [call.caller.media, call.callee?.media].flatMap((leg) =>
        leg !== undefined && !leg.closed && leg.engineUri === engineUri ? [leg.connId] : [],
      ),
    );
  }

  /** The calls with a media leg on this engine (of this boot of it, when a boot is named). */
  onEngine(engineUri: string, bootId: string | undefined): Call[] {
    const onIt = (leg: MediaLegHandle | undefined) =>
      leg !== undefined &&
      !leg.closed &&
      leg.engineUri === engineUri &&
      (bootId === undefined || leg.engineBoot === undefined || leg.engineBoot === bootId);
    return this.all().filter((call) => onIt(call.caller.media) || onIt(call.callee?.media));
  }

  /** Saves an established call as it is now, for the next run of the server. */
  persist(call: Call): void {
    const snapshot = this.options.store === undefined ? undefined : snapshotCall(call);
    if (snapshot === undefined) return;
    this.options.store!.save(snapshot).catch((error: unknown) => this.options.onError(error));
  }

  /** An established call ended: its saved copy goes. */
  unpersist(connId: string): void {
    this.options.store?.remove(connId).catch((error: unknown) => this.options.onError(error));
  }

  /**
   * Takes up the calls a previous run of this server established: their dialogs and media legs
   * are tracked again. Returns the calls a party of which can no longer be reached (its
   * WebSocket closed with the old process), or whose media engine does not know its legs.
   */
  adopt(snapshots: readonly CallSnapshot[]): { adopted: Call[]; unreachable: Call[] } {
    const adopted: Call[] = [];
    const unreachable: Call[] = [];
    for (const snapshot of snapshots) {
      const call = restoreCall(snapshot);
      const { caller, callee } = call;
      this.add(call);
      for (const [dialog, side] of [
        [caller.dialog!, "caller"],
        [callee!.dialog!, "callee"],
      ] as const) {
        this.options.ua.registerDialog(dialog);
        this.track(dialog, call, side);
      }
      let known = true;
      for (const media of [caller.media!, callee!.media!]) {
        known = this.options.media.adoptLeg(media) && known;
        this.track(media.dialog, call, "media");
      }
      adopted.push(call);
      if (!known || !reachableAfterRestart(caller.dialog!) || !reachableAfterRestart(callee!.dialog!))
        unreachable.push(call);
    }
    return { adopted, unreachable };
  }
}
