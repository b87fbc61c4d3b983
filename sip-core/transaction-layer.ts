import { ProtocolParseError } from "../protocol/protocol-parse-error";
import {
  BRANCH_MAGIC_COOKIE,
  parseCSeq,
  serializeSipMessage,
  type SipRequest,
  type SipResponse,
  type Via,
} from "../protocol/sip";
import { SystemClock, type Clock } from "./clock";
import { type MalformedRequestAnswer, malformedRequestAnswer } from "./create-bad-request";
import { InviteClientTransaction } from "./invite-client-transaction";
import { InviteServerTransaction } from "./invite-server-transaction";
import { NonInviteClientTransaction } from "./non-invite-client-transaction";
import { NonInviteServerTransaction } from "./non-invite-server-transaction";
import { responseDestination } from "./response-destination";
import type { SipAddress, TransportProtocol } from "./sip-address";
import type { SipMessage, SipTransport, SipTransportDelegate } from "./sip-transport";
import { SipTransportError } from "./sip-transport-error";
import { timerValues, type TimerValues } from "./timer-values";
import { readTopVia, sentBy, viaBranch } from "./top-via";
import type {
  ClientTransactionUser,
  ServerTransaction,
  TransactionContext,
  TransactionSender,
} from "./transaction";

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
export type AnyServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

/**
 * How the transaction layer calls up to the transaction user (the UA core). RFC 3261 §17: "The
 * layer above the transaction layer is called the transaction user (TU)".
 */
export interface TransactionUser {
  /** A new request (never ACK) with the server transaction just created for it. */
  onRequest(request: SipRequest, transaction: ServerTransaction, source: SipAddress): void;
  /**
   * An ACK that matched no transaction: the ACK for a 2xx. §18.2.1: "when the ACK arrives,
   * there will be no matching server transaction, and based on this rule, the ACK is passed to
   * the UAS core, where it is processed."
   */
  onAckFor2xx(ack: SipRequest, source: SipAddress): void;
  /**
   * A response that matched no client transaction. §18.1.2: "the response MUST be passed to the
   * core ... Handling of these "stray" responses is dependent on the core". Retransmitted or
   * forked 2xx to INVITE arrive here.
   */
  onStrayResponse(response: SipResponse, source: SipAddress): void;
  /**
   * Bytes that start like a request (not ACK) but could not be used: unparseable, or lacking
   * what transaction matching needs. `raw` is what to answer from, with `answer`'s status (§18.3:
   * "If the message is a request, the element SHOULD generate a 400 (Bad Request) response.").
   */
  onMalformedRequest(
    error: ProtocolParseError,
    raw: Buffer,
    source: SipAddress,
    answer: MalformedRequestAnswer,
  ): void;
  /** A server transaction could not send a response (§17.2.4); it is terminated. */
  onServerTransactionError(transaction: ServerTransaction, error: SipTransportError): void;
  /** Timer H: an INVITE server transaction never got the ACK for its 300–699 response. */
  onAckTimeout(transaction: InviteServerTransaction): void;
  /** A transport failed outside any transaction (connection reset, socket error). */
  onTransportError(error: SipTransportError): void;
}

export interface TransactionLayerOptions {
  readonly user: TransactionUser;
  readonly clock?: Clock;
  readonly timers?: Partial<TimerValues>;
}

export interface TransactionLayerStats {
  /** Unparseable input that did not start like a request (garbage, broken responses). */
  droppedUnparseable: number;
  /** Parsed responses without a usable top Via or CSeq (§18.1.2 discards them). */
  droppedResponses: number;
  /** ACKs that could not be matched or answered (no usable Via/CSeq, pre-RFC 3261 branch). */
  droppedAcks: number;
  /** Requests refused because their branch lacks the magic cookie (RFC 2543 clients). */
  rejectedLegacyBranch: number;
}

function clientKey(branch: string, method: string): string {
  return `${branch}\n${method}`;
}

/**
 * RFC 3261 §17.2.3: "the request matches a transaction if: 1. the branch parameter in the
 * request is equal to the one in the top Via header field of the request that created the
 * transaction, and 2. the sent-by value in the top Via of the request is equal to the one in
 * the request that created the transaction, and 3. the method of the request matches the one
 * that created the transaction, except for ACK, where the method of the request that created
 * the transaction is INVITE."
 */
function serverKey(branch: string, via: Via, method: string): string {
  return `${branch}\n${sentBy(via)}\n${method === "ACK" ? "INVITE" : method}`;
}

interface MatchableRequest {
  readonly via: Via;
  readonly branch: string;
}

/**
 * The transaction layer (RFC 3261 §17): owns every client and server transaction, routes what
 * the transports deliver to them by the §17.1.3 and §17.2.3 rules, and calls the transaction
 * user for the rest.
 *
 * Requests whose top Via branch lacks the "z9hG4bK" cookie (RFC 2543 clients) are refused with
 * 400 rather than matched by the §17.2.3 backwards-compatibility rules (Request-URI, tags,
 * Call-ID, CSeq and whole top Via): such clients predate 2002, and a wrong match would
 * misroute a retransmission. ACKs of that kind are dropped and counted.
 */
export class TransactionLayer implements SipTransportDelegate {
  readonly clock: Clock;
  readonly timers: TimerValues;
  readonly stats: TransactionLayerStats = {
    droppedUnparseable: 0,
    droppedResponses: 0,
    droppedAcks: 0,
    rejectedLegacyBranch: 0,
  };
  private readonly user: TransactionUser;
  private readonly transports = new Map<TransportProtocol, SipTransport>();
  private readonly clientTransactions = new Map<string, ClientTransaction>();
  private readonly serverTransactions = new Map<string, AnyServerTransaction>();
  private closed = false;

  constructor(options: TransactionLayerOptions) {
    this.user = options.user;
    this.clock = options.clock ?? new SystemClock();
    this.timers = timerValues(options.timers);
  }

  /** Starts `transport` with this layer as its delegate. One transport per protocol. */
  async addTransport(transport: SipTransport): Promise<void> {
    if (this.transports.has(transport.protocol)) {
      throw new SipTransportError(`a ${transport.protocol} transport is already registered`);
    }
    this.transports.set(transport.protocol, transport);
    try {
      await transport.start(this);
    } catch (error) {
      this.transports.delete(transport.protocol);
      throw error;
    }
  }

  transport(protocol: TransportProtocol): SipTransport {
    const transport = this.transports.get(protocol);
    if (transport === undefined) throw new SipTransportError(`no ${protocol} transport`);
    return transport;
  }

  hasTransport(protocol: TransportProtocol): boolean {
    return this.transports.has(protocol);
  }

  get clientTransactionCount(): number {
    return this.clientTransactions.size;
  }

  get serverTransactionCount(): number {
    return this.serverTransactions.size;
  }

  findClientTransaction(branch: string, method: string): ClientTransaction | undefined {
    return this.clientTransactions.get(clientKey(branch, method));
  }

  /**
   * Starts the client transaction for `request` (an INVITE or any method but ACK), which sends
   * it to `destination` at once. Its top Via must carry an RFC 3261 branch.
   */
  sendRequest(request: SipRequest, destination: SipAddress, user: ClientTransactionUser): ClientTransaction {
    if (this.closed) throw new SipTransportError("transaction layer closed", destination);
    if (request.method === "ACK") {
      throw new TypeError(
        "an ACK has no client transaction: send it with sendStateless (RFC 3261 §17.1.1.3)",
      );
    }
    const branch = viaBranch(readTopVia(request.headers));
    if (branch === undefined || !branch.startsWith(BRANCH_MAGIC_COOKIE)) {
      throw new TypeError(`the top Via branch must start with ${BRANCH_MAGIC_COOKIE}`);
    }
    const key = clientKey(branch, request.method);
    if (this.clientTransactions.has(key)) {
      throw new TypeError(`a ${request.method} client transaction with branch ${branch} already exists`);
    }
    // The termination callback needs the transaction it is handed to: a holder breaks the cycle.
    const holder: { created?: ClientTransaction } = {};
    const context = this.context(destination, () => {
      if (this.clientTransactions.get(key) === holder.created) this.clientTransactions.delete(key);
    });
    const created =
      request.method === "INVITE"
        ? new InviteClientTransaction(request, branch, context, user)
        : new NonInviteClientTransaction(request, branch, context, user);
    holder.created = created;
    this.clientTransactions.set(key, created);
    return created;
  }

  /**
   * Sends a message outside any transaction: the ACK for a 2xx (§13.2.2.4: "the request is
   * passed to the transport layer directly for transmission, rather than a client
   * transaction"), 2xx retransmissions of a UAS core (§13.3.1.4), stateless responses.
   */
  sendStateless(message: SipMessage, destination: SipAddress): Promise<void> {
    return this.sendBytes(serializeSipMessage(message), destination);
  }

  sendBytes(bytes: Buffer, destination: SipAddress): Promise<void> {
    if (this.closed) return Promise.reject(new SipTransportError("transaction layer closed", destination));
    const transport = this.transports.get(destination.transport);
    if (transport === undefined) {
      return Promise.reject(new SipTransportError(`no ${destination.transport} transport`, destination));
    }
    return transport.send(bytes, destination);
  }

  /**
   * The INVITE server transaction a CANCEL targets. §9.2: "The TU determines the transaction to
   * be cancelled by taking the CANCEL request, and then assuming that the request method is
   * anything but CANCEL or ACK and applying the transaction matching procedures of Section
   * 17.2.3."
   */
  findInviteServerTransaction(cancel: SipRequest): InviteServerTransaction | undefined {
    const matchable = this.matchable(cancel);
    if (matchable === undefined) return undefined;
    const transaction = this.serverTransactions.get(serverKey(matchable.branch, matchable.via, "INVITE"));
    return transaction instanceof InviteServerTransaction ? transaction : undefined;
  }

  /** Stops every transaction's timers and closes every transport. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const transaction of this.clientTransactions.values()) transaction.dispose();
    for (const transaction of this.serverTransactions.values()) transaction.dispose();
    this.clientTransactions.clear();
    this.serverTransactions.clear();
    await Promise.all([...this.transports.values()].map((transport) => transport.close()));
  }

  // SipTransportDelegate

  onMessage(message: SipMessage, source: SipAddress): void {
    if (this.closed) return;
    if (message.kind === "response") this.receiveResponse(message, source);
    else this.receiveRequest(message, source);
  }

  onParseError(error: ProtocolParseError, source: SipAddress, raw: Buffer): void {
    if (this.closed) return;
    const answer = malformedRequestAnswer(raw);
    if (answer === undefined) {
      this.stats.droppedUnparseable++;
      return;
    }
    this.user.onMalformedRequest(error, raw, source, answer);
  }

  onTransportError(error: SipTransportError): void {
    if (this.closed) return;
    this.user.onTransportError(error);
  }

  /**
   * §17.1.3: "A response matches a client transaction under two conditions: 1. If the response
   * has the same value of the branch parameter in the top Via header field as the branch
   * parameter in the top Via header field of the request that created the transaction. 2. If
   * the method parameter in the CSeq header field matches the method of the request that
   * created the transaction."
   */
  private receiveResponse(response: SipResponse, source: SipAddress): void {
    let branch: string | undefined;
    let method: string;
    try {
      branch = viaBranch(readTopVia(response.headers));
      method = parseCSeq(response.headers.get("CSeq") ?? "").method;
    } catch (error) {
      if (!(error instanceof ProtocolParseError)) throw error;
      this.stats.droppedResponses++;
      return;
    }
    const transaction =
      branch === undefined ? undefined : this.clientTransactions.get(clientKey(branch, method));
    if (transaction !== undefined) transaction.receiveResponse(response);
    else this.user.onStrayResponse(response, source);
  }

  private receiveRequest(request: SipRequest, source: SipAddress): void {
    let matchable: MatchableRequest;
    try {
      matchable = this.validate(request);
    } catch (error) {
      if (!(error instanceof ProtocolParseError)) throw error;
      if (request.method === "ACK") this.stats.droppedAcks++;
      else this.user.onMalformedRequest(error, serializeSipMessage(request), source, { status: 400 });
      return;
    }
    const { via, branch } = matchable;
    const key = serverKey(branch, via, request.method);
    const existing = this.serverTransactions.get(key);
    if (request.method === "ACK") {
      if (!(existing instanceof InviteServerTransaction) || !existing.receiveAck(request))
        this.user.onAckFor2xx(request, source);
      return;
    }
    if (existing !== undefined) {
      existing.receiveRequest(request);
      return;
    }
    let transaction: AnyServerTransaction | undefined;
    const context = this.context(responseDestination(via, source), () => {
      if (transaction !== undefined && this.serverTransactions.get(key) === transaction) {
        this.serverTransactions.delete(key);
      }
    });
    if (request.method === "INVITE") {
      const invite: InviteServerTransaction = new InviteServerTransaction(request, branch, context, {
        onTransportError: (error) => this.user.onServerTransactionError(invite, error),
        onAckTimeout: () => this.user.onAckTimeout(invite),
      });
      transaction = invite;
    } else {
      const other: NonInviteServerTransaction = new NonInviteServerTransaction(request, branch, context, {
        onTransportError: (error) => this.user.onServerTransactionError(other, error),
      });
      transaction = other;
    }
    this.serverTransactions.set(key, transaction);
    this.user.onRequest(request, transaction, source);
  }

  /**
   * What matching needs, checked: a top Via with an RFC 3261 branch, and a CSeq whose method is
   * the request's (§8.1.1.5: "The method MUST match that of the request."). Call-ID, From and
   * To must be present (§8.1.1: "A valid SIP request formulated by a UAC MUST, at a minimum,
   * contain the following header fields: To, From, CSeq, Call-ID, Max-Forwards, and Via").
   * Max-Forwards is not insisted on. Throws ProtocolParseError.
   */
  private validate(request: SipRequest): MatchableRequest {
    const via = readTopVia(request.headers);
    const branch = viaBranch(via);
    if (branch === undefined || !branch.startsWith(BRANCH_MAGIC_COOKIE)) {
      if (request.method !== "ACK") this.stats.rejectedLegacyBranch++;
      throw new ProtocolParseError(
        "sip",
        `Via branch without the RFC 3261 magic cookie ${BRANCH_MAGIC_COOKIE}`,
      );
    }
    for (const name of ["Call-ID", "From", "To"]) {
      if (request.headers.get(name) === undefined)
        throw new ProtocolParseError("sip", `Missing ${name} header field`);
    }
    const cseqValue = request.headers.get("CSeq");
    if (cseqValue === undefined) throw new ProtocolParseError("sip", "Missing CSeq header field");
    if (parseCSeq(cseqValue).method !== request.method) {
      throw new ProtocolParseError("sip", "CSeq method does not match the request method");
    }
    return { via, branch };
  }

  private matchable(request: SipRequest): MatchableRequest | undefined {
    try {
      const via = readTopVia(request.headers);
      const branch = viaBranch(via);
      return branch === undefined ? undefined : { via, branch };
    } catch (error) {
      if (error instanceof ProtocolParseError) return undefined;
      throw error;
    }
  }

  private context(destination: SipAddress, onTerminated: () => void): TransactionContext {
    const transport = this.transport(destination.transport);
    const sender: TransactionSender = {
      reliable: transport.reliable,
      destination,
      send: (bytes) => transport.send(bytes, destination),
    };
    return {
      clock: this.clock,
      timers: this.timers,
      sender,
      onTerminated,
    };
  }
}
