import { createResponse, serializeSipMessage, type SipRequest, type SipResponse } from "../protocol/sip";
import type { SipTransportError } from "./sip-transport-error";
import {
  type ServerTransaction,
  type ServerTransactionUser,
  Transaction,
  type TransactionContext,
} from "./transaction";
import { TransactionStateError, transitionFunction, type TransitionTable } from "./transaction-state-error";

/** RFC 3261 §17.2.1, Figure 7, with the "Accepted" state of RFC 6026 §8.7. */
export enum InviteServerTransactionState {
  Proceeding = "proceeding",
  Accepted = "accepted",
  Completed = "completed",
  Confirmed = "confirmed",
  Terminated = "terminated",
}

const S = InviteServerTransactionState;
const MACHINE = "INVITE server transaction";

export const INVITE_SERVER_TRANSACTION_EDGES: TransitionTable<InviteServerTransactionState> = {
  [S.Proceeding]: [S.Accepted, S.Completed, S.Terminated],
  [S.Accepted]: [S.Terminated],
  [S.Completed]: [S.Confirmed, S.Terminated],
  [S.Confirmed]: [S.Terminated],
  [S.Terminated]: [],
};

export const transitionInviteServerTransaction = transitionFunction(MACHINE, INVITE_SERVER_TRANSACTION_EDGES);

export interface InviteServerTransactionUser extends ServerTransactionUser {
  /** Timer H fired: no ACK came for the 300–699 response ("a transaction failure has occurred"). */
  onAckTimeout(): void;
}

/**
 * The INVITE server transaction (RFC 3261 §17.2.1). "When a server transaction is constructed
 * for a request, it enters the "Proceeding" state. The server transaction MUST generate a 100
 * (Trying) response unless it knows that the TU will generate a provisional or final response
 * within 200 ms, in which case it MAY generate a 100 (Trying) response." It cannot know, so the
 * 100 goes out at construction.
 */
export class InviteServerTransaction
  extends Transaction<InviteServerTransactionState>
  implements ServerTransaction
{
  readonly kind = "invite-server" as const;
  private lastProvisional: Buffer | undefined;
  private finalBytes: Buffer | undefined;
  private finalResponse: SipResponse | undefined;
  private timerGInterval: number;

  constructor(
    request: SipRequest,
    branch: string,
    context: TransactionContext,
    private readonly user: InviteServerTransactionUser,
  ) {
    super(request, branch, context, S.Proceeding, transitionInviteServerTransaction);
    if (request.method !== "INVITE") throw new TypeError(`INVITE server transaction for ${request.method}`);
    this.timerGInterval = this.T1;
    this.sendProvisional(createResponse(request, 100, "Trying"));
  }

  get finalResponseSent(): boolean {
    return this.finalResponse !== undefined;
  }

  /** The last final response passed by the TU (the To tag an ACK for it must carry). */
  get lastFinalResponse(): SipResponse | undefined {
    return this.finalResponse;
  }

  respond(response: SipResponse): void {
    const status = response.status;
    if (this.state === S.Accepted && status >= 200 && status < 300) {
      // RFC 6026 §8.7: "While in the "Accepted" state, if the TU passes a 2xx response, the
      // server transaction MUST pass the response to the transport layer for transmission."
      this.transmit(serializeSipMessage(response));
      return;
    }
    if (this.state !== S.Proceeding) {
      throw new TransactionStateError(
        MACHINE,
        this.state,
        this.state,
        `response ${status} after the final response`,
      );
    }
    if (status < 200) {
      // "The TU passes any number of provisional responses to the server transaction. So long as
      // the server transaction is in the "Proceeding" state, each of these MUST be passed to the
      // transport layer for transmission. They are not sent reliably by the transaction layer".
      this.sendProvisional(response);
    } else if (status < 300) {
      // RFC 6026 §8.7 (replacing RFC 3261's move to "Terminated", which let a retransmission of
      // the INVITE that crossed the 2xx start a second call): "If, while in the "Proceeding"
      // state, the TU passes a 2xx response to the server transaction, the server transaction
      // MUST pass this response to the transport layer for transmission. It is not retransmitted
      // by the server transaction; retransmissions of 2xx responses are handled by the TU. The
      // server transaction MUST then transition to the "Accepted" state." "When the INVITE
      // server transaction enters the "Accepted" state, Timer L MUST be set to fire in 64*T1 for
      // all transports."
      this.finalResponse = response;
      this.transmit(serializeSipMessage(response));
      this.transition(S.Accepted);
      this.startTimer("L", 64 * this.T1, () => this.timerL());
    } else {
      // "While in the "Proceeding" state, if the TU passes a response with status code from 300
      // to 699 to the server transaction, the response MUST be passed to the transport layer for
      // transmission, and the state machine MUST enter the "Completed" state. For unreliable
      // transports, timer G is set to fire in T1 seconds, and is not set to fire for reliable
      // transports." "When the "Completed" state is entered, timer H MUST be set to fire in
      // 64*T1 seconds for all transports."
      this.finalResponse = response;
      this.finalBytes = serializeSipMessage(response);
      this.transition(S.Completed);
      this.transmit(this.finalBytes);
      if (!this.reliable) this.startTimer("G", this.timerGInterval, () => this.timerG());
      this.startTimer("H", 64 * this.T1, () => this.timerH());
    }
  }

  /** A retransmission of the INVITE (it matched this transaction, §17.2.3). */
  receiveRequest(request: SipRequest): void {
    if (request.method !== "INVITE")
      throw new TypeError(`${MACHINE}: ${request.method} is not a retransmission`);
    // "If a request retransmission is received while in the "Proceeding" state, the most recent
    // provisional response that was received from the TU MUST be passed to the transport layer
    // for retransmission." "while in the "Completed" state, if a request retransmission is
    // received, the server SHOULD pass the response to the transport for retransmission."
    // RFC 6026 §8.7: in "Accepted", retransmissions of the INVITE "are absorbed entirely within
    // the server transaction. They are not passed up to the TU since any downstream UAS cores
    // that accepted the request have taken responsibility for reliability".
    if (this.state === S.Proceeding && this.lastProvisional !== undefined)
      this.transmit(this.lastProvisional);
    else if (this.state === S.Completed && this.finalBytes !== undefined) this.transmit(this.finalBytes);
  }

  /**
   * An ACK that matched this transaction (the ACK for a 300–699). "If an ACK is received while
   * the server transaction is in the "Completed" state, the server transaction MUST transition
   * to the "Confirmed" state. As Timer G is ignored in this state, any retransmissions of the
   * response will cease." "When this state is entered, timer I is set to fire in T4 seconds for
   * unreliable transports, and zero seconds for reliable transports." In "Confirmed" further
   * ACKs are absorbed. Returns false for an ACK the transaction does not take: in "Accepted" it
   * is the ACK for the 2xx, which RFC 6026 §8.7 (Figure 7: "ACK / to TU") passes to the TU.
   */
  receiveAck(ack: SipRequest): boolean {
    if (ack.method !== "ACK") throw new TypeError(`${MACHINE}: ${ack.method} is not an ACK`);
    if (this.state === S.Accepted) return false;
    if (this.state !== S.Completed) return true;
    this.transition(S.Confirmed);
    this.stopTimer("G");
    this.stopTimer("H");
    this.startTimer("I", this.reliable ? 0 : this.T4, () => this.timerI());
    return true;
  }

  protected onTransportFailure(error: SipTransportError): void {
    if (!this.terminated) this.transition(S.Terminated);
    this.user.onTransportError(error);
  }

  private sendProvisional(response: SipResponse): void {
    this.lastProvisional = serializeSipMessage(response);
    this.transmit(this.lastProvisional);
  }

  /**
   * "If timer G fires, the response is passed to the transport layer once more for
   * retransmission, and timer G is set to fire in MIN(2*T1, T2) seconds. From then on, when
   * timer G fires, the response is passed to the transport again for transmission, and timer G
   * is reset with a value that doubles, unless that value exceeds T2, in which case it is reset
   * with the value of T2."
   */
  private timerG(): void {
    if (this.state !== S.Completed || this.finalBytes === undefined) return;
    this.transmit(this.finalBytes);
    this.timerGInterval = Math.min(2 * this.timerGInterval, this.T2);
    this.startTimer("G", this.timerGInterval, () => this.timerG());
  }

  /**
   * "If timer H fires while in the "Completed" state, it implies that the ACK was never
   * received. In this case, the server transaction MUST transition to the "Terminated" state,
   * and MUST indicate to the TU that a transaction failure has occurred."
   */
  private timerH(): void {
    if (this.state !== S.Completed) return;
    this.transition(S.Terminated);
    this.user.onAckTimeout();
  }

  /**
   * RFC 6026 §8.7: "If Timer L fires while the INVITE server transaction is in the "Accepted"
   * state, the transaction MUST transition to the "Terminated" state."
   */
  private timerL(): void {
    if (this.state === S.Accepted) this.transition(S.Terminated);
  }

  /** "Once timer I fires, the server MUST transition to the "Terminated" state." */
  private timerI(): void {
    if (this.state === S.Confirmed) this.transition(S.Terminated);
  }
}
