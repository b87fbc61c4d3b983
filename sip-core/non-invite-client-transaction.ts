import { serializeSipMessage, type SipRequest, type SipResponse } from "../protocol/sip";
import type { SipTransportError } from "./sip-transport-error";
import { type ClientTransactionUser, Transaction, type TransactionContext } from "./transaction";
import { TransactionStateError, transitionFunction, type TransitionTable } from "./transaction-state-error";

/** RFC 3261 §17.1.2.2, Figure 6. */
export enum NonInviteClientTransactionState {
  Trying = "trying",
  Proceeding = "proceeding",
  Completed = "completed",
  Terminated = "terminated",
}

const S = NonInviteClientTransactionState;

export const NON_INVITE_CLIENT_TRANSACTION_EDGES: TransitionTable<NonInviteClientTransactionState> = {
  [S.Trying]: [S.Proceeding, S.Completed, S.Terminated],
  [S.Proceeding]: [S.Completed, S.Terminated],
  [S.Completed]: [S.Terminated],
  [S.Terminated]: [],
};

export const transitionNonInviteClientTransaction = transitionFunction(
  "non-INVITE client transaction",
  NON_INVITE_CLIENT_TRANSACTION_EDGES,
);

/**
 * The non-INVITE client transaction (RFC 3261 §17.1.2). "The "Trying" state is entered when the
 * TU initiates a new client transaction with a request. When entering this state, the client
 * transaction SHOULD set timer F to fire in 64*T1 seconds. The request MUST be passed to the
 * transport layer for transmission. If an unreliable transport is in use, the client
 * transaction MUST set timer E to fire in T1 seconds."
 */
export class NonInviteClientTransaction extends Transaction<NonInviteClientTransactionState> {
  readonly kind = "non-invite-client" as const;
  private readonly requestBytes: Buffer;
  private timerEInterval: number;

  constructor(
    request: SipRequest,
    branch: string,
    context: TransactionContext,
    private readonly user: ClientTransactionUser,
  ) {
    super(request, branch, context, S.Trying, transitionNonInviteClientTransaction);
    if (request.method === "INVITE" || request.method === "ACK") {
      throw new TypeError(`non-INVITE client transaction for ${request.method}`);
    }
    this.requestBytes = serializeSipMessage(request);
    this.timerEInterval = this.T1;
    this.startTimer("F", 64 * this.T1, () => this.timerF());
    this.transmit(this.requestBytes);
    if (!this.reliable) this.startTimer("E", this.timerEInterval, () => this.timerE());
  }

  receiveResponse(response: SipResponse): void {
    const provisional = response.status < 200;
    switch (this.state) {
      case S.Trying:
      case S.Proceeding:
        if (provisional) {
          // "If a provisional response is received while in the "Trying" state, the response
          // MUST be passed to the TU, and then the client transaction SHOULD move to the
          // "Proceeding" state."
          if (this.state === S.Trying) this.transition(S.Proceeding);
        } else {
          // "If a final response (status codes 200-699) is received while in the "Trying"
          // state, the response MUST be passed to the TU, and the client transaction MUST
          // transition to the "Completed" state." "Once the client transaction enters the
          // "Completed" state, it MUST set Timer K to fire in T4 seconds for unreliable
          // transports, and zero seconds for reliable transports."
          this.transition(S.Completed);
          this.stopTimer("E");
          this.stopTimer("F");
          this.startTimer("K", this.reliable ? 0 : this.T4, () => this.timerK());
        }
        this.user.onResponse(response);
        return;
      case S.Completed:
        // "The "Completed" state exists to buffer any additional response retransmissions that
        // may be received".
        return;
      case S.Terminated:
        throw new TransactionStateError(
          "non-INVITE client transaction",
          this.state,
          this.state,
          "response after termination",
        );
    }
  }

  protected onTransportFailure(error: SipTransportError): void {
    if (!this.terminated) this.transition(S.Terminated);
    this.user.onTransportError(error);
  }

  /**
   * Trying: "If timer E fires while still in this state, the timer is reset, but this time with
   * a value of MIN(2*T1, T2). When the timer fires again, it is reset to a MIN(4*T1, T2)."
   * Proceeding: "If Timer E fires while in the "Proceeding" state, the request MUST be passed to
   * the transport layer for retransmission, and Timer E MUST be reset with a value of T2 seconds."
   */
  private timerE(): void {
    if (this.state !== S.Trying && this.state !== S.Proceeding) return;
    this.transmit(this.requestBytes);
    this.timerEInterval = this.state === S.Trying ? Math.min(2 * this.timerEInterval, this.T2) : this.T2;
    this.startTimer("E", this.timerEInterval, () => this.timerE());
  }

  /**
   * "If Timer F fires while the client transaction is still in the "Trying" state, the client
   * transaction SHOULD inform the TU about the timeout, and then it SHOULD enter the
   * "Terminated" state." Likewise in "Proceeding".
   */
  private timerF(): void {
    if (this.state !== S.Trying && this.state !== S.Proceeding) return;
    this.transition(S.Terminated);
    this.user.onRequestTimeout();
  }

  /** "If Timer K fires while in this state, the client transaction MUST transition to the "Terminated" state." */
  private timerK(): void {
    if (this.state === S.Completed) this.transition(S.Terminated);
  }
}
