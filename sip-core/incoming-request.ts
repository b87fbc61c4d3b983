import { createResponse, generateTag, type SipRequest, type SipResponse } from "../protocol/sip";
import type { Dialog } from "./dialog";
import { tagOf } from "./dialog";
import type { SipAddress } from "./sip-address";
import type { ServerTransaction } from "./transaction";

export interface ReplyOptions {
  readonly reason?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer | string;
  readonly contentType?: string;
}

/** Where an IncomingRequest's responses go: the UA core (which also retransmits a 2xx to INVITE). */
export interface ResponseSender {
  sendResponse(request: IncomingRequest, response: SipResponse): void;
}

/**
 * A request as a request handler sees it: the message, its server transaction, where it came
 * from, its dialog if it is a mid-dialog request, and reply().
 */
export class IncomingRequest {
  /**
   * RFC 3261 §8.2.6.2: "if the To header field in the request did not contain a tag, ... the
   * UAS MUST add a tag to the To header field in the response (with the exception of the 100
   * (Trying) response, in which a tag MAY be present). ... The same tag MUST be used for all
   * responses to that request, both final and provisional".
   */
  readonly toTag: string;
  /** Set by the UA core when the request belongs to a dialog it knows. */
  dialog: Dialog | undefined;
  private readonly requestHadToTag: boolean;
  private readonly abort = new AbortController();

  constructor(
    readonly message: SipRequest,
    readonly transaction: ServerTransaction,
    readonly source: SipAddress,
    private readonly sender: ResponseSender,
    toTag?: string,
  ) {
    const to = message.headers.get("To") ?? "";
    const existing = to === "" ? "" : tagOf(to);
    this.requestHadToTag = existing !== "";
    this.toTag = existing !== "" ? existing : (toTag ?? generateTag());
    this.dialog = undefined;
  }

  get method(): string {
    return this.message.method;
  }

  get finalResponseSent(): boolean {
    return this.transaction.finalResponseSent;
  }

  /** Aborted when a CANCEL for this INVITE arrives before its final response (§9.2). */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get cancelled(): boolean {
    return this.abort.signal.aborted;
  }

  /** For the UA core: a CANCEL matched this request. */
  markCancelled(): void {
    this.abort.abort();
  }

  /** Builds a response (From, Call-ID, CSeq, Via copied; To with this request's tag) without sending it. */
  createResponse(status: number, options: ReplyOptions = {}): SipResponse {
    const response = createResponse(this.message, status, options.reason);
    const to = this.message.headers.get("To");
    if (to !== undefined) {
      response.headers.set("To", this.requestHadToTag || status === 100 ? to : `${to};tag=${this.toTag}`);
    }
    for (const [name, value] of Object.entries(options.headers ?? {})) response.headers.append(name, value);
    if (options.body !== undefined) {
      const body = typeof options.body === "string" ? Buffer.from(options.body, "utf8") : options.body;
      if (body.length > 0) {
        response.headers.set("Content-Type", options.contentType ?? "application/octet-stream");
      }
      return { ...response, body };
    }
    return response;
  }

  /** Sends `response` through the server transaction. */
  send(response: SipResponse): void {
    this.sender.sendResponse(this, response);
  }

  /** createResponse() then send(); returns what was sent. */
  reply(status: number, options: ReplyOptions = {}): SipResponse {
    const response = this.createResponse(status, options);
    this.send(response);
    return response;
  }
}
