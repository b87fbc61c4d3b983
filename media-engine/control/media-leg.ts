import { transitionFunction, type TransitionTable } from "../../common/state-machine";
import type { Dialog } from "../../sip-core";
import type { MediaEndpoint } from "../rtp";
import type { RtpMap } from "../../protocol/sdp";
import type { Logger } from "../../common/logger";
import type { MediaEncryptionPolicy } from "../../protocol/msml/engine-contract";
import type { LegSrtpKeys } from "./leg-sdp";

export enum MediaLegState {
  Early = "early",
  Confirmed = "confirmed",
  Terminated = "terminated",
}

const LEG_EDGES: TransitionTable<MediaLegState> = {
  [MediaLegState.Early]: [MediaLegState.Confirmed, MediaLegState.Terminated],
  [MediaLegState.Confirmed]: [MediaLegState.Terminated],
  [MediaLegState.Terminated]: [],
};
const transitionLeg = transitionFunction("media leg", LEG_EDGES);

/** Why the engine ends a leg itself, for the BYE's Reason header (RFC 3326). */
export interface HangUpReason {
  readonly cause: number;
  readonly text: string;
}

/** One SIP dialog with the SIP Server and the media endpoint it controls; MSML names it `conn:<tag>`. */
export class MediaLeg {
  private stateValue = MediaLegState.Early;
  sdpVersion = 1;
  /** A hang-up asked for before the ACK came; sent once it does (RFC 3261 §15). */
  pendingHangUp: HangUpReason | undefined;
  /** X-Forkline-Media-Encryption of the INVITE that opened the leg; re-INVITEs are held to it. */
  encryption: MediaEncryptionPolicy = "optional";
  /** SDES keys in use (RTP/SAVP legs): in memory for the leg's life, never logged nor stored. */
  srtpKeys: LegSrtpKeys | undefined;

  constructor(
    readonly connId: string,
    readonly dialog: Dialog,
    readonly endpoint: MediaEndpoint,
    public codec: RtpMap,
    readonly sessionId: string,
    /** The engine's logger bound to this leg (`connId`): every line about the leg names it. */
    readonly log: Logger,
    /**
     * X-Forkline-Server-Boot of the INVITE that opened the leg: which SIP Server instance owns
     * it. Undefined for servers that do not send it; such legs are never taken for orphans.
     */
    readonly serverBoot?: string,
  ) {}

  get state(): MediaLegState {
    return this.stateValue;
  }

  transition(next: MediaLegState): void {
    this.stateValue = transitionLeg(this.stateValue, next, this.connId);
  }
}
