import { randomUUID } from "node:crypto";
import { ProtocolParseError } from "../protocol/protocol-parse-error";
import {
  generateBranch,
  generateTag,
  parseCSeq,
  parseNameAddr,
  parseSipUri,
  serializeSipMessage,
  SipHeaders,
  type SipRequest,
  type SipResponse,
  type SipUri,
} from "../protocol/sip";
import { AckTimeoutError } from "./ack-timeout-error";
import type { Clock, TimerHandle } from "./clock";
import { createBadRequest, type MalformedRequestAnswer, reasonPhraseFrom } from "./create-bad-request";
import { type Dialog, dialogKey, incomingDialogId, initialSequenceNumber, tagOf } from "./dialog";
import { IncomingRequest, type ResponseSender } from "./incoming-request";
import type { InviteServerTransaction } from "./invite-server-transaction";
import { RequestTimeoutError } from "./request-timeout-error";
import type { SipAddress, TransportProtocol } from "./sip-address";
import { SipError } from "./sip-error";
import type { SipTransport } from "./sip-transport";
import type { SipTransportError } from "./sip-transport-error";
import type { TimerValues } from "./timer-values";
import { headerValues, topViaValue } from "./top-via";
import type { ServerTransaction } from "./transaction";
import { TransactionLayer, type TransactionUser } from "./transaction-layer";
import { uriDestination } from "./uri-destination";
import { UserAgentClosedError } from "./user-agent-closed-error";

export type RequestHandler = (request: IncomingRequest) => void | Promise<void>;

/** How the UA core calls up to the application (registrar, B2BUA, recorder). */
export interface UserAgentCoreDelegate {
  /**
   * One handler per method, as spelled on the wire. A handler replies through
   * `request.reply()` or throws SipError (or anything else, which becomes a 500). A method
   * without a handler is refused (405/501 with Allow), except OPTIONS, answered 200.
   */
  readonly handlers: Readonly<Partial<Record<string, RequestHandler>>>;
  /**
   * Whether a request with a To tag that matches no registered dialog is refused with 481
   * (RFC 3261 §12.2.2: "If the UAS wishes to reject the request because it does not wish to
   * recreate the dialog, it MUST respond to the request with a 481"). Default: BYE, INFO,
   * INVITE (re-INVITE), UPDATE, PRACK and REFER are.
   */
  isDialogRequired?(request: SipRequest): boolean;
  /** The ACK for a 2xx this UA sent (its retransmissions are stopped already). */
  onAck?(ack: SipRequest, source: SipAddress, dialog: Dialog | undefined): void;
  /** A CANCEL matched a pending INVITE, which has been answered 487 (§9.2). */
  onCancel?(invite: IncomingRequest): void;
  /** A response no transaction wanted (a forked 2xx, a late retransmission). */
  onStrayResponse?(response: SipResponse, source: SipAddress): void;
  /**
   * No ACK came for a final response to INVITE: for a 2xx after 64*T1 of retransmissions
   * (§13.3.1.4: "the dialog is confirmed, but the session SHOULD be terminated. This is
   * accomplished with a BYE"), for a 300–699 when timer H fired. Without this handler the 2xx
   * case goes to onError as AckTimeoutError.
   */
  onAckTimeout?(invite: IncomingRequest, response: SipResponse): void;
  /**
   * Every error the stack cannot answer with a response: transport failures outside a pending
   * request, a handler failing after its final response, unexpected handler errors (after the
   * 500 went out).
   */
  onError(error: unknown): void;
}

export interface UserAgentCoreOptions {
  readonly delegate: UserAgentCoreDelegate;
  readonly clock?: Clock;
  readonly timers?: Partial<TimerValues>;
  /** User-Agent of requests and Server of responses; omitted when undefined. */
  readonly userAgent?: string;
  /** Via sent-by host to announce instead of each transport's own (a public address). */
  readonly viaHost?: string;
}

export interface NewRequestOptions {
  /** From header field value; a tag is added when it has none (§8.1.1.3). */
  readonly from: string;
  readonly to: string;
  readonly callId?: string;
  readonly cseq?: number;
  readonly contact?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer | string;
  readonly contentType?: string;
}

export interface SendRequestOptions {
  /** Where to send; default: the top Route, else the Request-URI (uriDestination). */
  readonly destination?: SipAddress;
  readonly onProvisional?: (response: SipResponse) => void;
}

/** RFC 3261 methods and the extensions a UA meets; anything else is answered 501. */
const KNOWN_METHODS = new Set([
  "INVITE",
  "ACK",
  "BYE",
  "CANCEL",
  "OPTIONS",
  "REGISTER",
  "PRACK",
  "SUBSCRIBE",
  "NOTIFY",
  "PUBLISH",
  "INFO",
  "REFER",
  "MESSAGE",
  "UPDATE",
]);

const DIALOG_METHODS = new Set(["BYE", "INFO", "INVITE", "UPDATE", "PRACK", "REFER"]);

interface PendingRequest {
  readonly method: string;
  readonly reject: (error: Error) => void;
}

interface Retransmission {
  timer: TimerHandle;
}

function ackKey(callId: string, seq: number, toTag: string): string {
  return `${callId}\n${seq}\n${toTag}`;
}

/**
 * The UA core (RFC 3261 §8, §12, §13) over a TransactionLayer: builds and sends requests through
 * client transactions, dispatches incoming requests to a handler per method, answers what the
 * RFC makes the core answer (OPTIONS, 400, 405/501, 481, 487 after CANCEL), retransmits 2xx to
 * INVITE until the ACK (§13.3.1.4) and keeps the dialogs it is told about.
 *
 * Errors thrown by a handler become the response here and only here: SipError → its status,
 * ProtocolParseError → 400 with the parse error as reason phrase, anything else → 500 and
 * onError.
 */
export class UserAgentCore implements TransactionUser, ResponseSender {
  readonly layer: TransactionLayer;
  private readonly delegate: UserAgentCoreDelegate;
  private readonly options: UserAgentCoreOptions;
  private readonly dialogs = new Map<string, Dialog>();
  private readonly invites = new WeakMap<ServerTransaction, IncomingRequest>();
  private readonly retransmissions = new Map<string, Retransmission>();
  private readonly sentAcks = new Map<
    string,
    { bytes: Buffer; destination: SipAddress; timer: TimerHandle }
  >();
  private readonly pending = new Set<PendingRequest>();
  private nextCSeq = initialSequenceNumber();
  private closed = false;

  constructor(options: UserAgentCoreOptions) {
    this.options = options;
    this.delegate = options.delegate;
    this.layer = new TransactionLayer({ user: this, clock: options.clock, timers: options.timers });
  }

  get clock(): Clock {
    return this.layer.clock;
  }

  addTransport(transport: SipTransport): Promise<void> {
    return this.layer.addTransport(transport);
  }

  /** Methods this UA answers, for Allow (§20.5: "All methods, including ACK and CANCEL, understood by the UA MUST be included"). */
  get allowedMethods(): string[] {
    const methods = new Set(
      Object.keys(this.delegate.handlers).filter((m) => this.delegate.handlers[m] !== undefined),
    );
    methods.add("OPTIONS");
    if (methods.has("INVITE")) {
      methods.add("ACK");
      methods.add("CANCEL");
    }
    return [...methods];
  }

  // Dialogs

  registerDialog(dialog: Dialog): void {
    this.dialogs.set(dialog.key, dialog);
  }

  forgetDialog(dialog: Dialog): void {
    if (this.dialogs.get(dialog.key) === dialog) this.dialogs.delete(dialog.key);
  }

  findDialog(callId: string, localTag: string, remoteTag: string): Dialog | undefined {
    return this.dialogs.get(dialogKey({ callId, localTag, remoteTag }));
  }

  get dialogCount(): number {
    return this.dialogs.size;
  }

  // UAC

  /**
   * A request outside any dialog (§8.1.1), without Via (added by send()). "A UAC MUST insert a
   * Max-Forwards header field into each request it originates with a value that SHOULD be 70."
   */
  createRequest(method: string, uri: SipUri | string, options: NewRequestOptions): SipRequest {
    const headers = new SipHeaders();
    headers.append("Max-Forwards", "70");
    headers.append(
      "From",
      tagOf(options.from) === "" ? `${options.from};tag=${generateTag()}` : options.from,
    );
    headers.append("To", options.to);
    headers.append("Call-ID", options.callId ?? randomUUID());
    headers.append("CSeq", `${options.cseq ?? this.nextCSeq++} ${method}`);
    if (options.contact !== undefined) headers.append("Contact", options.contact);
    for (const [name, value] of Object.entries(options.headers ?? {})) headers.append(name, value);
    const body =
      typeof options.body === "string"
        ? Buffer.from(options.body, "utf8")
        : (options.body ?? Buffer.alloc(0));
    if (body.length > 0) headers.set("Content-Type", options.contentType ?? "application/octet-stream");
    return { kind: "request", method, uri: typeof uri === "string" ? parseSipUri(uri) : uri, headers, body };
  }

  /**
   * Sends `request` (any method but ACK) through a new client transaction. Resolves with the
   * final response; provisional responses go to `onProvisional`. Rejects with
   * RequestTimeoutError (treat as 408) or SipTransportError (treat as 503), §8.1.3.1.
   */
  send(request: SipRequest, options: SendRequestOptions = {}): Promise<SipResponse> {
    if (this.closed) return Promise.reject(new UserAgentClosedError(request.method));
    if (request.method === "ACK") {
      return Promise.reject(new TypeError("send the ACK for a 2xx with ack() (RFC 3261 §13.2.2.4)"));
    }
    let destination: SipAddress;
    try {
      destination = options.destination ?? this.nextHop(request);
      this.stampOutgoing(request, destination.transport);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return new Promise<SipResponse>((resolve, reject) => {
      let settled = false;
      const pending: PendingRequest = {
        method: request.method,
        reject: (error) => {
          settled = true;
          reject(error);
        },
      };
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        this.pending.delete(pending);
        return true;
      };
      this.pending.add(pending);
      try {
        this.layer.sendRequest(request, destination, {
          onResponse: (response) => {
            if (response.status < 200) {
              if (!settled) this.callSafely(() => options.onProvisional?.(response));
            } else if (settle()) resolve(response);
          },
          onRequestTimeout: () => {
            if (settle()) reject(new RequestTimeoutError(request.method));
          },
          onTransportError: (error) => {
            if (settle()) reject(error);
            else this.reportError(error);
          },
        });
      } catch (error) {
        if (settle()) reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /**
   * Sends a request built by `dialog.createRequest()` (not ACK) to the dialog's peer: to its
   * flow when the route set is empty and a flow is known, else by route set / remote target.
   * Updates the dialog's remote target from a 2xx to a target refresh (§12.2.1.2).
   */
  async sendInDialog(
    dialog: Dialog,
    request: SipRequest,
    options: SendRequestOptions = {},
  ): Promise<SipResponse> {
    const destination = options.destination ?? this.dialogDestination(dialog, request);
    const response = await this.send(request, { ...options, destination });
    dialog.receiveResponse(request.method, response);
    return response;
  }

  /**
   * The ACK for a 2xx to INVITE (§13.2.2.4): built in the dialog with the INVITE's CSeq number,
   * "passed to the transport layer directly for transmission, rather than a client
   * transaction". It is kept for 64*T1 and re-sent for every retransmission of that 2xx (which
   * arrives as a stray response): "The ACK MUST be passed to the client transport every time a
   * retransmission of the 2xx final response that triggered the ACK arrives."
   */
  ack(
    dialog: Dialog,
    response: SipResponse,
    options: { body?: Buffer; contentType?: string; destination?: SipAddress } = {},
  ): Promise<void> {
    const seq = parseCSeq(response.headers.get("CSeq") ?? "").seq;
    const ack = dialog.createRequest("ACK", {
      cseq: seq,
      body: options.body,
      contentType: options.contentType,
    });
    const destination = options.destination ?? this.dialogDestination(dialog, ack);
    this.stampOutgoing(ack, destination.transport);
    const bytes = serializeSipMessage(ack);
    const key = ackKey(dialog.id.callId, seq, dialog.id.remoteTag);
    const previous = this.sentAcks.get(key);
    if (previous !== undefined) this.clock.clearTimeout(previous.timer);
    const timer = this.clock.setTimeout(() => this.sentAcks.delete(key), 64 * this.layer.timers.T1);
    this.sentAcks.set(key, { bytes, destination, timer });
    return this.layer.sendBytes(bytes, destination);
  }

  /**
   * Cancels an INVITE this UA sent (§9.1): "The Request-URI, Call-ID, To, the numeric part of
   * CSeq, and From header fields in the CANCEL request MUST be identical to those in the request
   * being cancelled, including tags. ... A CANCEL constructed by a client MUST have only a single
   * Via header field value matching the top Via value in the request being cancelled." and "If no
   * provisional response has been received, the CANCEL request MUST NOT be sent" — the caller
   * waits for one. Resolves with the CANCEL's final response; the INVITE's own promise settles
   * with its 487 (or a 2xx that crossed the CANCEL).
   */
  cancel(invite: SipRequest, destination: SipAddress): Promise<SipResponse> {
    const headers = new SipHeaders();
    headers.append("Via", topViaValue(invite.headers));
    for (const route of headerValues(invite.headers, "Route")) headers.append("Route", route);
    headers.append("Max-Forwards", "70");
    for (const name of ["From", "To", "Call-ID"]) headers.append(name, invite.headers.get(name) ?? "");
    headers.append("CSeq", `${parseCSeq(invite.headers.get("CSeq") ?? "").seq} CANCEL`);
    const cancel: SipRequest = {
      kind: "request",
      method: "CANCEL",
      uri: invite.uri,
      headers,
      body: Buffer.alloc(0),
    };
    return new Promise<SipResponse>((resolve, reject) => {
      this.layer.sendRequest(cancel, destination, {
        onResponse: (response) => {
          if (response.status >= 200) resolve(response);
        },
        onRequestTimeout: () => reject(new RequestTimeoutError("CANCEL")),
        onTransportError: (error) => reject(error),
      });
    });
  }

  /** Rejects pending requests, stops 2xx retransmissions and closes the transaction layer and transports. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const pending of this.pending) pending.reject(new UserAgentClosedError(pending.method));
    this.pending.clear();
    for (const { timer } of this.retransmissions.values()) this.clock.clearTimeout(timer);
    this.retransmissions.clear();
    for (const { timer } of this.sentAcks.values()) this.clock.clearTimeout(timer);
    this.sentAcks.clear();
    await this.layer.close();
  }

  // TransactionUser

  onRequest(request: SipRequest, transaction: ServerTransaction, source: SipAddress): void {
    const incoming = new IncomingRequest(request, transaction, source, this);
    if (request.method === "INVITE") this.invites.set(transaction, incoming);
    this.dispatch(incoming).catch((error: unknown) => this.reportError(error));
  }

  onAckFor2xx(ack: SipRequest, source: SipAddress): void {
    let dialog: Dialog | undefined;
    try {
      const id = incomingDialogId(ack);
      const seq = parseCSeq(ack.headers.get("CSeq") ?? "").seq;
      const key = ackKey(id.callId, seq, id.localTag);
      const retransmission = this.retransmissions.get(key);
      if (retransmission !== undefined) {
        this.clock.clearTimeout(retransmission.timer);
        this.retransmissions.delete(key);
      }
      dialog = this.dialogs.get(dialogKey(id));
    } catch (error) {
      this.reportError(error);
      return;
    }
    if (dialog?.state === "early") dialog.confirm();
    this.callSafely(() => this.delegate.onAck?.(ack, source, dialog));
  }

  onStrayResponse(response: SipResponse, source: SipAddress): void {
    if (response.status >= 200 && response.status < 300) {
      try {
        const cseq = parseCSeq(response.headers.get("CSeq") ?? "");
        const callId = response.headers.get("Call-ID");
        const to = response.headers.get("To");
        if (cseq.method === "INVITE" && callId !== undefined && to !== undefined) {
          const sent = this.sentAcks.get(ackKey(callId, cseq.seq, tagOf(to)));
          if (sent !== undefined) {
            this.layer
              .sendBytes(sent.bytes, sent.destination)
              .catch((error: unknown) => this.reportError(error));
            return;
          }
        }
      } catch (error) {
        if (!(error instanceof ProtocolParseError)) throw error;
      }
    }
    // §18.1.2: "a UA will discard" stray responses unless the application wants them.
    this.callSafely(() => this.delegate.onStrayResponse?.(response, source));
  }

  /**
   * §18.3: "If the message is a request, the element SHOULD generate a 400 (Bad Request)
   * response." The reason phrase is the parse error, trimmed (§21.4.1).
   */
  onMalformedRequest(
    error: ProtocolParseError,
    raw: Buffer,
    source: SipAddress,
    answer: MalformedRequestAnswer,
  ): void {
    const response = createBadRequest(raw, answer.reason ?? error.message, generateTag(), answer.status);
    this.layer.sendBytes(response, source).catch((sendError: unknown) => this.reportError(sendError));
  }

  onServerTransactionError(_transaction: ServerTransaction, error: SipTransportError): void {
    this.reportError(error);
  }

  onAckTimeout(transaction: InviteServerTransaction): void {
    const invite = this.invites.get(transaction);
    const response = transaction.lastFinalResponse;
    if (invite !== undefined && response !== undefined) {
      this.callSafely(() => this.delegate.onAckTimeout?.(invite, response));
    }
  }

  onTransportError(error: SipTransportError): void {
    this.reportError(error);
  }

  // ResponseSender

  sendResponse(request: IncomingRequest, response: SipResponse): void {
    if (this.options.userAgent !== undefined && !response.headers.has("Server")) {
      response.headers.set("Server", this.options.userAgent);
    }
    request.transaction.respond(response);
    if (request.method === "INVITE" && response.status >= 200 && response.status < 300) {
      this.retransmit2xx(request, response);
    }
  }

  // Internals

  private async dispatch(incoming: IncomingRequest): Promise<void> {
    try {
      await this.route(incoming);
    } catch (error) {
      this.answerError(incoming, error);
    }
  }

  private async route(incoming: IncomingRequest): Promise<void> {
    const request = incoming.message;
    if (request.method === "CANCEL") {
      this.receiveCancel(incoming);
      return;
    }
    if (tagOf(request.headers.get("To") ?? "") !== "") {
      const dialog = this.dialogs.get(dialogKey(incomingDialogId(request)));
      if (dialog !== undefined) {
        dialog.receiveRequest(request);
        incoming.dialog = dialog;
      } else if (this.isDialogRequired(request)) {
        throw new SipError(481, "Call/Transaction Does Not Exist");
      }
    }
    const handler = this.delegate.handlers[request.method];
    if (handler !== undefined) {
      await handler(incoming);
      return;
    }
    if (request.method === "OPTIONS") {
      // §11.2: "Allow, Accept, Accept-Encoding, Accept-Language, and Supported header fields
      // SHOULD be present in a 200 (OK) response to an OPTIONS request."
      incoming.reply(200, {
        headers: {
          Allow: this.allowedMethods.join(", "),
          Accept: "application/sdp",
          "Accept-Encoding": "identity",
          "Accept-Language": "en",
        },
      });
      return;
    }
    // §8.2.1: "If the UAS recognizes but does not support the method of a request, it MUST
    // generate a 405 (Method Not Allowed) response. ... The UAS MUST also add an Allow header
    // field to the 405". §21.5.2: 501 "is the appropriate response when a UAS does not
    // recognize the request method and is not capable of supporting it for any user."
    const allow = { Allow: this.allowedMethods.join(", ") };
    if (KNOWN_METHODS.has(request.method)) throw new SipError(405, "Method Not Allowed", allow);
    throw new SipError(501, "Not Implemented", allow);
  }

  /**
   * §9.2: "If the UAS did not find a matching transaction for the CANCEL according to the
   * procedure above, it SHOULD respond to the CANCEL with a 481". "If the original request was
   * an INVITE, the UAS SHOULD immediately respond to the INVITE with a 487 (Request
   * Terminated)." "as long as the CANCEL matched an existing transaction, the UAS answers the
   * CANCEL request itself with a 200 (OK) response ... the To tag of the response to the CANCEL
   * and the To tag in the response to the original request SHOULD be the same."
   */
  private receiveCancel(cancel: IncomingRequest): void {
    const transaction = this.layer.findInviteServerTransaction(cancel.message);
    const invite = transaction === undefined ? undefined : this.invites.get(transaction);
    if (invite === undefined) throw new SipError(481, "Call/Transaction Does Not Exist");
    const response = cancel.createResponse(200);
    const to = cancel.message.headers.get("To");
    if (to !== undefined && tagOf(to) === "") response.headers.set("To", `${to};tag=${invite.toTag}`);
    cancel.send(response);
    if (invite.finalResponseSent) return;
    invite.markCancelled();
    invite.reply(487, { reason: "Request Terminated" });
    this.callSafely(() => this.delegate.onCancel?.(invite));
  }

  /** The one place a thrown error becomes a response. */
  private answerError(incoming: IncomingRequest, thrown: unknown): void {
    const error =
      thrown instanceof ProtocolParseError ? new SipError(400, reasonPhraseFrom(thrown.message)) : thrown;
    if (incoming.finalResponseSent || incoming.transaction.state === "terminated") {
      this.reportError(error);
      return;
    }
    if (error instanceof SipError) {
      incoming.reply(error.status, { reason: error.reason, headers: error.headers });
      return;
    }
    incoming.reply(500, { reason: "Server Internal Error" });
    this.reportError(error);
  }

  private isDialogRequired(request: SipRequest): boolean {
    return this.delegate.isDialogRequired?.(request) ?? DIALOG_METHODS.has(request.method);
  }

  /**
   * §13.3.1.4: "The 2xx response is passed to the transport with an interval that starts at T1
   * seconds and doubles for each retransmission until it reaches T2 seconds ... Response
   * retransmissions cease when an ACK request for the response is received. This is
   * independent of whatever transport protocols are used to send the response." "If the server
   * retransmits the 2xx response for 64*T1 seconds without receiving an ACK, the dialog is
   * confirmed, but the session SHOULD be terminated."
   */
  private retransmit2xx(invite: IncomingRequest, response: SipResponse): void {
    const { T1, T2 } = this.layer.timers;
    const callId = response.headers.get("Call-ID") ?? "";
    const seq = parseCSeq(response.headers.get("CSeq") ?? "").seq;
    const key = ackKey(callId, seq, tagOf(response.headers.get("To") ?? ""));
    const bytes = serializeSipMessage(response);
    const destination = invite.transaction.destination;
    const deadline = this.clock.now() + 64 * T1;
    let interval = T1;
    const fire = (): void => {
      if (this.clock.now() >= deadline) {
        this.retransmissions.delete(key);
        if (this.delegate.onAckTimeout !== undefined) {
          this.callSafely(() => this.delegate.onAckTimeout?.(invite, response));
        } else this.reportError(new AckTimeoutError(callId));
        return;
      }
      this.layer.sendBytes(bytes, destination).catch((error: unknown) => this.reportError(error));
      interval = Math.min(2 * interval, T2);
      // The last wait is cut short so the 64*T1 deadline is noticed on time, not a T2 later.
      entry.timer = this.clock.setTimeout(fire, Math.min(interval, deadline - this.clock.now()));
    };
    const entry: Retransmission = { timer: this.clock.setTimeout(fire, interval) };
    const previous = this.retransmissions.get(key);
    if (previous !== undefined) this.clock.clearTimeout(previous.timer);
    this.retransmissions.set(key, entry);
  }

  /** Adds the top Via (§8.1.1.7, with "rport" of RFC 3581 §3) and, when configured, User-Agent. */
  private stampOutgoing(request: SipRequest, transport: TransportProtocol): void {
    const local = this.layer.transport(transport).localAddress;
    const rawHost = this.options.viaHost ?? local.host;
    const host = rawHost.includes(":") && !rawHost.startsWith("[") ? `[${rawHost}]` : rawHost;
    const via = `SIP/2.0/${transport} ${host}:${local.port};branch=${generateBranch()};rport`;
    const existing = headerValues(request.headers, "Via");
    request.headers.delete("Via");
    request.headers.append("Via", via);
    for (const value of existing) request.headers.append("Via", value);
    if (!request.headers.has("Max-Forwards")) request.headers.set("Max-Forwards", "70");
    if (this.options.userAgent !== undefined && !request.headers.has("User-Agent")) {
      request.headers.set("User-Agent", this.options.userAgent);
    }
  }

  /** §8.1.2: the top Route if there is one, else the Request-URI. */
  private nextHop(request: SipRequest): SipAddress {
    const route = headerValues(request.headers, "Route")[0];
    return uriDestination(route === undefined ? request.uri : parseNameAddr(route).uri);
  }

  private dialogDestination(dialog: Dialog, request: SipRequest): SipAddress {
    if (dialog.flow !== undefined && dialog.routeSet.length === 0) return dialog.flow;
    return this.nextHop(request);
  }

  private callSafely(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.reportError(error);
    }
  }

  private reportError(error: unknown): void {
    this.delegate.onError(error);
  }
}
