import { serializeSipMessage, type SipRequest, type SipResponse } from "../protocol/sip";
import type { SipTransportError } from "./sip-transport-error";
import {
  type ServerTransaction,
  type ServerTransactionUser,
  Transaction,
  type TransactionContext,
} from "./transaction";
import { TransactionStateError, transitionFunction, type TransitionTable } from "./transaction-state-error";

/** RFC 3261 §17.2.2, Figure 8. */
export enum NonInviteServerTransactionState {
  Trying = "trying",
  Proceeding = "proceeding",
  Completed = "completed",
  Terminated = "terminated",
}

const S = NonInviteServerTransactionState;
const MACHINE = "non-INVITE server transaction";

export const NON_INVITE_SERVER_TRANSACTION_EDGES: TransitionTable<NonInviteServerTransactionState> = {
  [S.Trying]: [S.Proceeding, S.Completed],
  [S.Proceeding]: [S.Completed, S.Terminated],
  [S.Completed]: [S.Terminated],
  [S.Terminated]: [],
};

export const transitionNonInviteServerTransaction = transitionFunction(
  MACHINE,
  NON_INVITE_SERVER_TRANSACTION_EDGES,
);

/**
 * The non-INVITE server transaction (RFC 3261 §17.2.2). "The state machine is initialized in
 * the "Trying" state and is passed a request other than INVITE or ACK when initialized. This
 * request is passed up to the TU. Once in the "Trying" state, any further request
 * retransmissions are discarded."
 */
export class NonInviteServerTransaction
  extends Transaction<NonInviteServerTransactionState>
  implements ServerTransaction
{
  readonly kind = "non-invite-server" as const;
  private lastProvisional: Buffer | undefined;
  private finalBytes: Buffer | undefined;
  /** Final responses the TU passed in "Completed", which the RFC discards. */
  discardedResponses = 0;

  constructor(
    request: SipRequest,
    branch: string,
    context: TransactionContext,
    private readonly user: ServerTransactionUser,
  ) {
    super(request, branch, context, S.Trying, transitionNonInviteServerTransaction);
    if (request.method === "INVITE" || request.method === "ACK") {
      throw new TypeError(`${MACHINE} for ${request.method}`);
    }
  }

  get finalResponseSent(): boolean {
    return this.finalBytes !== undefined;
  }

  respond(response: SipResponse): void {
    const provisional = response.status < 200;
    switch (this.state) {
      case S.Trying:
      case S.Proceeding:
        if (provisional) {
          // "While in the "Trying" state, if the TU passes a provisional response to the server
          // transaction, the server transaction MUST enter the "Proceeding" state. The response
          // MUST be passed to the transport layer for transmission."
          if (this.state === S.Trying) this.transition(S.Proceeding);
          this.lastProvisional = serializeSipMessage(response);
          this.transmit(this.lastProvisional);
        } else {
          // "If the TU passes a final response (status codes 200-699) to the server while in the
          // "Proceeding" state, the transaction MUST enter the "Completed" state, and the
          // response MUST be passed to the transport layer for transmission." "When the server
          // transaction enters the "Completed" state, it MUST set Timer J to fire in 64*T1
          // seconds for unreliable transports, and zero seconds for reliable transports."
          this.finalBytes = serializeSipMessage(response);
          this.transition(S.Completed);
          this.transmit(this.finalBytes);
          this.startTimer("J", this.reliable ? 0 : 64 * this.T1, () => this.timerJ());
        }
        return;
      case S.Completed:
      case S.Terminated:
        // "Any other final responses passed by the TU to the server transaction MUST be
        // discarded while in the "Completed" state."
        if (!provisional && this.state === S.Completed) {
          this.discardedResponses++;
          return;
        }
        throw new TransactionStateError(
          MACHINE,
          this.state,
          this.state,
          `response ${response.status} after the final response`,
        );
    }
  }

  /**
   * A retransmission of the request. Trying: discarded. "If a retransmission of the request is
   * received while in the "Proceeding" state, the most recently sent provisional response MUST
   * be passed to the transport layer for retransmission." Completed: "the server transaction
   * MUST pass the final response to the transport layer for retransmission whenever a
   * retransmission of the request is received."
   */
  receiveRequest(request: SipRequest): void {
    if (request.method !== this.request.method) {
      throw new TypeError(`${MACHINE}: ${request.method} is not a retransmission of ${this.request.method}`);
    }
    if (this.state === S.Proceeding && this.lastProvisional !== undefined)
      this.transmit(this.lastProvisional);
    else if (this.state === S.Completed && this.finalBytes !== undefined) this.transmit(this.finalBytes);
  }

  protected onTransportFailure(error: SipTransportError): void {
    if (!this.terminated) this.transition(S.Terminated);
    this.user.onTransportError(error);
  }

  /** "The server transaction remains in this state until Timer J fires, at which point it MUST transition to the "Terminated" state." */
  private timerJ(): void {
    if (this.state === S.Completed) this.transition(S.Terminated);
  }
}
