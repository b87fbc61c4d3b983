import {
  parseCSeq,
  serializeSipMessage,
  SipHeaders,
  type SipRequest,
  type SipResponse,
} from "../protocol/sip";
import type { SipTransportError } from "./sip-transport-error";
import { headerValues, topViaValue } from "./top-via";
import { type ClientTransactionUser, Transaction, type TransactionContext } from "./transaction";
import { TransactionStateError, transitionFunction, type TransitionTable } from "./transaction-state-error";

/** RFC 3261 §17.1.1.2, Figure 5. */
export enum InviteClientTransactionState {
  Calling = "calling",
  Proceeding = "proceeding",
  Completed = "completed",
  Terminated = "terminated",
}

const S = InviteClientTransactionState;

export const INVITE_CLIENT_TRANSACTION_EDGES: TransitionTable<InviteClientTransactionState> = {
  [S.Calling]: [S.Proceeding, S.Completed, S.Terminated],
  [S.Proceeding]: [S.Completed, S.Terminated],
  [S.Completed]: [S.Terminated],
  [S.Terminated]: [],
};

export const transitionInviteClientTransaction = transitionFunction(
  "INVITE client transaction",
  INVITE_CLIENT_TRANSACTION_EDGES,
);

/**
 * RFC 3261 §17.1.1.3: "The ACK request constructed by the client transaction MUST contain
 * values for the Call-ID, From, and Request-URI that are equal to the values of those header
 * fields in the request passed to the transport by the client transaction ... The To header
 * field in the ACK MUST equal the To header field in the response being acknowledged ... The
 * ACK MUST contain a single Via header field, and this MUST be equal to the top Via header field
 * of the original request. The CSeq header field in the ACK MUST contain the same value for the
 * sequence number as was present in the original request, but the method parameter MUST be equal
 * to "ACK"." "If the INVITE request whose response is being acknowledged had Route header
 * fields, those header fields MUST appear in the ACK."
 */
export function createNon2xxAck(invite: SipRequest, response: SipResponse): SipRequest {
  const headers = new SipHeaders();
  headers.append("Via", topViaValue(invite.headers));
  for (const route of headerValues(invite.headers, "Route")) headers.append("Route", route);
  const maxForwards = invite.headers.get("Max-Forwards");
  headers.append("Max-Forwards", maxForwards ?? "70");
  headers.append("From", required(invite, "From"));
  headers.append("To", requiredHeader(response.headers, "To"));
  headers.append("Call-ID", required(invite, "Call-ID"));
  headers.append("CSeq", `${parseCSeq(required(invite, "CSeq")).seq} ACK`);
  headers.append("Content-Length", "0");
  return { kind: "request", method: "ACK", uri: invite.uri, headers, body: Buffer.alloc(0) };
}

function required(request: SipRequest, name: string): string {
  return requiredHeader(request.headers, name);
}

function requiredHeader(headers: SipHeaders, name: string): string {
  const value = headers.get(name);
  if (value === undefined) throw new TypeError(`cannot build the ACK: no ${name} header field`);
  return value;
}

/**
 * The INVITE client transaction (RFC 3261 §17.1.1). Created with the INVITE, it sends it at
 * once: "The initial state, "calling", MUST be entered when the TU initiates a new client
 * transaction with an INVITE request. The client transaction MUST pass the request to the
 * transport layer for transmission (see Section 18). If an unreliable transport is being used,
 * the client transaction MUST start timer A with a value of T1. If a reliable transport is being
 * used, the client transaction SHOULD NOT start timer A (Timer A controls request
 * retransmissions). For any transport, the client transaction MUST start timer B with a value
 * of 64*T1 seconds (Timer B controls transaction timeouts)."
 */
export class InviteClientTransaction extends Transaction<InviteClientTransactionState> {
  readonly kind = "invite-client" as const;
  private readonly requestBytes: Buffer;
  private ackBytes: Buffer | undefined;
  private timerAInterval: number;

  constructor(
    request: SipRequest,
    branch: string,
    context: TransactionContext,
    private readonly user: ClientTransactionUser,
  ) {
    super(request, branch, context, S.Calling, transitionInviteClientTransaction);
    if (request.method !== "INVITE") throw new TypeError(`INVITE client transaction for ${request.method}`);
    this.requestBytes = serializeSipMessage(request);
    this.timerAInterval = this.T1;
    this.transmit(this.requestBytes);
    if (!this.reliable) this.startTimer("A", this.timerAInterval, () => this.timerA());
    this.startTimer("B", 64 * this.T1, () => this.timerB());
  }

  /** The ACK this transaction generated for a 300–699 response, once it has. */
  get ack(): Buffer | undefined {
    return this.ackBytes;
  }

  /** A response that matched this transaction (§17.1.3). */
  receiveResponse(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case S.Calling:
      case S.Proceeding:
        if (status < 200) {
          // "If the client transaction receives a provisional response while in the "Calling"
          // state, it transitions to the "Proceeding" state. In the "Proceeding" state, the
          // client transaction SHOULD NOT retransmit the request any longer. Furthermore, the
          // provisional response MUST be passed to the TU."
          if (this.state === S.Calling) {
            this.transition(S.Proceeding);
            this.stopTimer("A");
            // Timer B only acts "If the client transaction is still in the "Calling" state".
            this.stopTimer("B");
          }
          this.user.onResponse(response);
        } else if (status < 300) {
          // "When in either the "Calling" or "Proceeding" states, reception of a 2xx response
          // MUST cause the client transaction to enter the "Terminated" state, and the response
          // MUST be passed up to the TU." The ACK for a 2xx is the TU's (§13.2.2.4).
          this.transition(S.Terminated);
          this.user.onResponse(response);
        } else {
          // "reception of a response with status code from 300-699 MUST cause the client
          // transaction to transition to "Completed". The client transaction MUST pass the
          // received response up to the TU, and the client transaction MUST generate an ACK
          // request, even if the transport is reliable ... The client transaction SHOULD start
          // timer D when it enters the "Completed" state, with a value of at least 32 seconds for
          // unreliable transports, and a value of zero seconds for reliable transports."
          this.transition(S.Completed);
          this.stopTimer("A");
          this.stopTimer("B");
          this.ackBytes = serializeSipMessage(createNon2xxAck(this.request, response));
          this.transmit(this.ackBytes);
          this.startTimer("D", this.reliable ? 0 : this.context.timers.D, () => this.timerD());
          this.user.onResponse(response);
        }
        return;
      case S.Completed:
        // "Any retransmissions of the final response that are received while in the
        // "Completed" state MUST cause the ACK to be re-passed to the transport layer for
        // retransmission, but the newly received response MUST NOT be passed up to the TU."
        if (status >= 300 && this.ackBytes !== undefined) this.transmit(this.ackBytes);
        return;
      case S.Terminated:
        throw new TransactionStateError(
          "INVITE client transaction",
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
   * "When timer A fires, the client transaction MUST retransmit the request by passing it to
   * the transport layer, and MUST reset the timer with a value of 2*T1. ... This process MUST
   * continue so that the request is retransmitted with intervals that double after each
   * transmission." (No T2 cap for INVITE: timer B bounds it to 7 transmissions.)
   */
  private timerA(): void {
    if (this.state !== S.Calling) return;
    this.transmit(this.requestBytes);
    this.timerAInterval *= 2;
    this.startTimer("A", this.timerAInterval, () => this.timerA());
  }

  /**
   * "If the client transaction is still in the "Calling" state when timer B fires, the client
   * transaction SHOULD inform the TU that a timeout has occurred. The client transaction MUST
   * NOT generate an ACK."
   */
  private timerB(): void {
    if (this.state !== S.Calling) return;
    this.transition(S.Terminated);
    this.user.onRequestTimeout();
  }

  /** "If timer D fires while the client transaction is in the "Completed" state, the client transaction MUST move to the terminated state." */
  private timerD(): void {
    if (this.state === S.Completed) this.transition(S.Terminated);
  }
}
