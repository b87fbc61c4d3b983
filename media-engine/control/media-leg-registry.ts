import type { SipRequest } from "../../protocol/sip";
import { DialogState, type UserAgentCore } from "../../sip-core";
import type { MediaBridge } from "../rtp";
import { contain, type ErrorSink } from "./contain";
import type { Logger } from "../../common/logger";
import { MediaLegState, type HangUpReason, type MediaLeg } from "./media-leg";

export interface MediaLegRegistryDeps {
  readonly ua: UserAgentCore;
  readonly bridge: MediaBridge;
  /** Recordings of a released leg stop with it (BYE to their recorders). */
  legReleased(leg: MediaLeg): Promise<void>;
  readonly errors: ErrorSink;
  readonly log: Logger;
}

/** RFC 3326 Reason: `SIP;cause=408;text="RTP inactivity"`. */
function reasonHeader(reason: HangUpReason): string {
  return `SIP;cause=${reason.cause};text="${reason.text.replace(/["\\]/g, "'")}"`;
}

/**
 * The legs of this engine and every way one ends: the SIP Server's BYE (released quietly, it
 * knows), the engine's own hang-up (BYE, then released), an orphan of a dead server (released
 * quietly, nobody is left to tell) and engine shutdown (BYE to all, bounded wait). Ending a leg
 * always frees its ports, its bridge joins and its recordings, whatever fails on the way.
 */
export class MediaLegRegistry {
  private readonly legs = new Map<string, MediaLeg>();

  constructor(private readonly deps: MediaLegRegistryDeps) {}

  get size(): number {
    return this.legs.size;
  }

  add(leg: MediaLeg): void {
    this.legs.set(leg.connId, leg);
  }

  get(connId: string): MediaLeg | undefined {
    return this.legs.get(connId);
  }

  values(): IterableIterator<MediaLeg> {
    return this.legs.values();
  }

  /** The leg whose endpoint this is (a recording's peers are found by endpoint). */
  byEndpoint(endpoint: unknown): MediaLeg | undefined {
    for (const leg of this.legs.values()) if (leg.endpoint === endpoint) return leg;
    return undefined;
  }

  /** The ACK came: a hang-up that waited for it goes out now. */
  confirmed(leg: MediaLeg): void {
    if (leg.state !== MediaLegState.Early) return;
    leg.transition(MediaLegState.Confirmed);
    const pending = leg.pendingHangUp;
    if (pending !== undefined) contain(this.deps.errors, this.hangUp(leg, pending), "leg_hangup", leg.connId);
  }

  /**
   * The engine ends a leg itself (RTP inactivity, no ACK, shutdown): a BYE tells the SIP Server
   * why. RFC 3261 §15: "The callee's UA MUST NOT send a BYE on a confirmed dialog until it has
   * received an ACK for its 2xx response or until the server transaction times out." So before
   * the ACK the hang-up waits for it, unless `ackTimedOut` says the wait is over.
   *
   * The BYE is built while the dialog still exists (a terminated dialog refuses in-dialog
   * requests with 481); a leg whose dialog is already gone is released without one. Never
   * rejects: whatever fails is contained to this leg.
   */
  async hangUp(leg: MediaLeg, reason: HangUpReason, options: { ackTimedOut?: boolean } = {}): Promise<void> {
    if (leg.state === MediaLegState.Terminated) return;
    if (leg.state === MediaLegState.Early && options.ackTimedOut !== true) {
      leg.pendingHangUp ??= reason;
      leg.log.debug(`hang-up (${reason.text}) waits for the ACK`);
      return;
    }
    const bye = this.buildBye(leg, reason);
    this.release(leg);
    if (bye === undefined) return;
    leg.log.info(`the engine hangs up: ${reason.text}`);
    await this.sendBye(leg, bye);
  }

  /**
   * Ends a leg without a word to the SIP Server: it sent the BYE itself, or it is gone. Frees the
   * ports, the bridge joins and the recordings; each step is contained, so one failing cannot
   * keep the rest (above all the ports) held.
   */
  release(leg: MediaLeg): void {
    if (leg.state === MediaLegState.Terminated) return;
    leg.transition(MediaLegState.Terminated);
    this.legs.delete(leg.connId);
    const { errors } = this.deps;
    contain(errors, () => this.deps.legReleased(leg), "recording_release", leg.connId);
    try {
      this.deps.bridge.unjoinAll(leg.endpoint);
    } catch (error) {
      errors.report("leg_release", error, leg.connId);
    }
    try {
      leg.endpoint.close();
    } catch (error) {
      errors.report("leg_release", error, leg.connId);
    }
    leg.dialog.terminate();
    this.deps.ua.forgetDialog(leg.dialog);
    leg.log.debug("leg released");
  }

  /**
   * Engine shutdown is a hang-up of every leg: each gets a BYE with `reason`, so the SIP Server
   * learns at once instead of after its next OPTIONS check. The legs are released (ports
   * closed) before the BYEs are awaited; the wait for their answers is bounded by `budgetMs`.
   * Legs still waiting for their ACK get their BYE too: §15's wait cannot outlive the process,
   * and a BYE now is the only word the server will ever get about them.
   */
  async shutdown(reason: HangUpReason, budgetMs: number): Promise<void> {
    const sends: Promise<void>[] = [];
    for (const leg of [...this.legs.values()]) {
      const bye = this.buildBye(leg, reason);
      this.release(leg);
      if (bye !== undefined) sends.push(this.sendBye(leg, bye));
    }
    if (sends.length === 0) return;
    this.deps.log.info(`shutting down: BYE sent on ${sends.length} legs`);
    await withinBudget(Promise.allSettled(sends), budgetMs);
  }

  private buildBye(leg: MediaLeg, reason: HangUpReason): SipRequest | undefined {
    if (leg.dialog.state === DialogState.Terminated) {
      leg.log.debug("dialog already gone: released without BYE");
      return undefined;
    }
    try {
      return leg.dialog.createRequest("BYE", { headers: { Reason: reasonHeader(reason) } });
    } catch (error) {
      this.deps.errors.report("leg_bye", error, leg.connId);
      return undefined;
    }
  }

  /**
   * RFC 3261 §15.1.1: "The UAC MUST consider the session terminated (and therefore stop sending
   * or listening for media) as soon as the BYE request is passed to the client transaction." So
   * the leg is released before this, and the BYE's outcome only goes to the log.
   */
  private async sendBye(leg: MediaLeg, bye: SipRequest): Promise<void> {
    try {
      const response = await this.deps.ua.sendInDialog(leg.dialog, bye);
      if (response.status >= 300) {
        leg.log.debug(`BYE answered ${response.status} ${response.reason}`);
      }
    } catch (error) {
      this.deps.errors.report("leg_bye", error, leg.connId);
    }
  }
}

const noop = (): void => undefined;

/** Resolves when `work` settles or `ms` has passed, whichever comes first; the timer never keeps the process up. */
export async function withinBudget(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  try {
    await Promise.race([work.then(noop, noop), expired]);
  } finally {
    clearTimeout(timer);
  }
}
