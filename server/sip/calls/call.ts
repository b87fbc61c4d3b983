import { transitionFunction, type TransitionTable } from "../../../common/state-machine";
import type { SipRequest } from "../../../protocol/sip";
import type { Dialog, IncomingRequest, SipAddress } from "../../../sip-core";
import type { MediaLegHandle } from "../media/media-engine-pool";

export enum CallState {
  /** INVITE received, route being decided, caller's media leg being opened. */
  Routing = "routing",
  /** INVITE sent to the callee; waiting for its answer. */
  Alerting = "alerting",
  Established = "established",
  Released = "released",
}

const CALL_EDGES: TransitionTable<CallState> = {
  [CallState.Routing]: [CallState.Alerting, CallState.Released],
  [CallState.Alerting]: [CallState.Established, CallState.Released],
  [CallState.Established]: [CallState.Released],
  [CallState.Released]: [],
};
const transitionCall = transitionFunction("call", CALL_EDGES);

/** A party of a call as CTI clients see it: a DN of ours, or an outside number on a trunk. */
export interface CallParty {
  readonly kind: "extension" | "trunk";
  /** The DN events are reported on: the extension number, or the trunk DN's number. */
  readonly dn: string;
  /** The number the party dialed or was dialed as (the caller's number on inbound trunk calls). */
  readonly number: string;
}

export interface CallerLeg {
  readonly party: CallParty;
  /** The INVITE that began the call; absent once a restarted server goes on with the call. */
  readonly invite?: IncomingRequest;
  dialog?: Dialog;
  media?: MediaLegHandle;
}

export interface CalleeLeg {
  readonly party: CallParty;
  readonly destination: SipAddress;
  /** The registered Contact for an extension; trunks are addressed by number at the peer. */
  readonly requestUri?: string;
  invite?: SipRequest;
  dialog?: Dialog;
  media?: MediaLegHandle;
  /** RFC 3261 §9.1: a CANCEL may only follow a provisional response. */
  provisional: boolean;
  cancelRequested: boolean;
}

/**
 * One B2BUA call: the caller's dialog with us, ours with the callee, and one media engine leg
 * for each. The SIP Server never passes a media address from one party to the other.
 */
export class Call {
  private stateValue = CallState.Routing;
  startedAt = new Date();
  establishedAt?: Date;
  releasedAt?: Date;
  callee?: CalleeLeg;
  /** Key-value pairs a routing strategy attached with TRouteCall (or the routing point's defaults). */
  routeExtensions: Record<string, string> = {};
  /** Why the call ended, for CTI and logs. */
  releaseCause?: string;

  constructor(
    /** ConnID: the T-Library identifier of the call, 16 hex digits. */
    readonly connId: string,
    /** Replaced when the caller transfers the call away (the transferred-to party takes its place). */
    public caller: CallerLeg,
    /** The number dialed, as the caller dialed it. */
    readonly dialed: string,
    /** The caller's Call-ID, which the recording history files the call's recordings under. */
    readonly callId: string = caller.invite?.message.headers.get("Call-ID") ?? connId,
  ) {}

  /**
   * A call a previous run of this server established and saved (call-snapshot.ts): it goes on
   * established, with its original times. Not a transition — nothing happened to the call.
   */
  static established(
    connId: string,
    caller: CallerLeg,
    callee: CalleeLeg,
    dialed: string,
    callId: string,
    times: { startedAt: Date; establishedAt: Date },
  ): Call {
    const call = new Call(connId, caller, dialed, callId);
    call.callee = callee;
    call.stateValue = CallState.Established;
    call.startedAt = times.startedAt;
    call.establishedAt = times.establishedAt;
    return call;
  }

  get state(): CallState {
    return this.stateValue;
  }

  /** Read after every await: a BYE, CANCEL or media failure may have ended the call meanwhile. */
  get released(): boolean {
    return this.stateValue === CallState.Released;
  }

  transition(next: CallState): void {
    this.stateValue = transitionCall(this.stateValue, next, this.connId);
    if (next === CallState.Established) this.establishedAt = new Date();
    if (next === CallState.Released) this.releasedAt = new Date();
  }
}
