import type { SipRequest, SipResponse } from "../protocol/sip";
import type { Clock, TimerHandle } from "./clock";
import type { SipAddress } from "./sip-address";
import { type SipTransportError, toSipTransportError } from "./sip-transport-error";
import type { TimerValues } from "./timer-values";

/** The transport as one transaction sees it: a fixed destination. */
export interface TransactionSender {
  readonly reliable: boolean;
  readonly destination: SipAddress;
  send(bytes: Buffer): Promise<void>;
}

export interface TransactionContext {
  readonly clock: Clock;
  readonly timers: TimerValues;
  readonly sender: TransactionSender;
  /** Called once, when the transaction enters Terminated ("it MUST be destroyed immediately"). */
  readonly onTerminated?: () => void;
}

/** How a client transaction calls up to its TU (RFC 3261 §17.1). */
export interface ClientTransactionUser {
  /** Provisional and final responses the machine passes up (not retransmissions it absorbs). */
  onResponse(response: SipResponse): void;
  /** Timer B (INVITE) or timer F (non-INVITE) fired before a final response. */
  onRequestTimeout(): void;
  /** The transport failed; the transaction has moved to Terminated. */
  onTransportError(error: SipTransportError): void;
}

/** How a server transaction calls up to its TU (RFC 3261 §17.2). */
export interface ServerTransactionUser {
  /** The transport failed sending a response; the transaction has moved to Terminated. */
  onTransportError(error: SipTransportError): void;
}

export type TransactionKind = "invite-client" | "non-invite-client" | "invite-server" | "non-invite-server";

/** What the transaction user sees of a server transaction. */
export interface ServerTransaction {
  readonly kind: "invite-server" | "non-invite-server";
  readonly request: SipRequest;
  readonly branch: string;
  readonly state: string;
  /** Where its responses go (RFC 3261 §18.2.2). */
  readonly destination: SipAddress;
  /** True once a 200–699 response went to the transport. */
  readonly finalResponseSent: boolean;
  /** Passes a response to the transaction, which sends it (and retransmits it where the RFC says). */
  respond(response: SipResponse): void;
}

export type TimerName = "A" | "B" | "D" | "E" | "F" | "G" | "H" | "I" | "J" | "K" | "L";

const TERMINATED = "terminated";

/**
 * Shared plumbing of the four RFC 3261 §17 machines: the state with its checked transition,
 * named timers on the injected Clock, and sending through the transport with failures turned
 * into the "Transport Err." event of Figures 5–8.
 */
export abstract class Transaction<S extends string> {
  abstract readonly kind: TransactionKind;
  private current: S;
  private disposed = false;
  private readonly running = new Map<TimerName, TimerHandle>();

  protected constructor(
    readonly request: SipRequest,
    readonly branch: string,
    protected readonly context: TransactionContext,
    initial: S,
    private readonly transitionFn: (from: S, to: S) => S,
  ) {
    this.current = initial;
  }

  get state(): S {
    return this.current;
  }

  get terminated(): boolean {
    return this.current === TERMINATED;
  }

  /** Names of the timers now running, for tests and diagnostics. */
  get runningTimers(): TimerName[] {
    return [...this.running.keys()].sort();
  }

  get destination(): SipAddress {
    return this.context.sender.destination;
  }

  /** Stops every timer without a state change: the layer is shutting down. */
  dispose(): void {
    this.disposed = true;
    this.stopAllTimers();
  }

  protected get reliable(): boolean {
    return this.context.sender.reliable;
  }

  protected get T1(): number {
    return this.context.timers.T1;
  }

  protected get T2(): number {
    return this.context.timers.T2;
  }

  protected get T4(): number {
    return this.context.timers.T4;
  }

  /** Moves to `to` or throws TransactionStateError; on Terminated stops every timer and tells the layer. */
  protected transition(to: S): void {
    this.current = this.transitionFn(this.current, to);
    if (to === TERMINATED) {
      this.stopAllTimers();
      this.context.onTerminated?.();
    }
  }

  protected startTimer(name: TimerName, ms: number, fire: () => void): void {
    this.stopTimer(name);
    const handle = this.context.clock.setTimeout(() => {
      this.running.delete(name);
      if (!this.disposed) fire();
    }, ms);
    this.running.set(name, handle);
  }

  protected stopTimer(name: TimerName): void {
    const handle = this.running.get(name);
    if (handle === undefined) return;
    this.context.clock.clearTimeout(handle);
    this.running.delete(name);
  }

  protected isRunning(name: TimerName): boolean {
    return this.running.has(name);
  }

  /** Hands bytes to the transport; a failure arrives later as onTransportFailure. */
  protected transmit(bytes: Buffer): void {
    this.context.sender.send(bytes).then(undefined, (error: unknown) => {
      if (this.disposed) return;
      this.onTransportFailure(toSipTransportError(error, "send failed", this.context.sender.destination));
    });
  }

  /** "Transport Err." of the machine's figure. */
  protected abstract onTransportFailure(error: SipTransportError): void;

  private stopAllTimers(): void {
    for (const handle of this.running.values()) this.context.clock.clearTimeout(handle);
    this.running.clear();
  }
}
