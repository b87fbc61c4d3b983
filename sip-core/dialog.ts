import {
  formatSipUri,
  parseCSeq,
  parseNameAddr,
  SipHeaders,
  type SipRequest,
  type SipResponse,
  type SipUri,
} from "../protocol/sip";
import type { SipAddress } from "./sip-address";
import { SipError } from "./sip-error";
import { headerValues } from "./top-via";
import { transitionFunction, type TransitionTable } from "./transaction-state-error";

/** RFC 3261 §12: "A dialog established by a non-final response to a request is in the "early" state". */
export enum DialogState {
  Early = "early",
  Confirmed = "confirmed",
  Terminated = "terminated",
}

export const DIALOG_EDGES: TransitionTable<DialogState> = {
  [DialogState.Early]: [DialogState.Confirmed, DialogState.Terminated],
  [DialogState.Confirmed]: [DialogState.Terminated],
  [DialogState.Terminated]: [],
};

export const transitionDialog = transitionFunction("dialog", DIALOG_EDGES);

/**
 * RFC 3261 §12: "A dialog is identified at each UA with a dialog ID, which consists of a Call-ID
 * value, a local tag and a remote tag." A missing tag (RFC 2543 peers) is the empty string.
 */
export interface DialogId {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
}

export function dialogKey(id: DialogId): string {
  return `${id.callId}\n${id.localTag}\n${id.remoteTag}`;
}

/** The tag parameter of a From or To header field value, or "" when there is none. */
export function tagOf(nameAddr: string): string {
  return parseNameAddr(nameAddr).params.get("tag") ?? "";
}

/**
 * The dialog ID a request received by this UA belongs to (§12.2.2: the To tag is the local tag,
 * the From tag the remote one).
 */
export function incomingDialogId(request: SipRequest): DialogId {
  return {
    callId: requiredHeader(request.headers, "Call-ID"),
    localTag: tagOf(requiredHeader(request.headers, "To")),
    remoteTag: tagOf(requiredHeader(request.headers, "From")),
  };
}

function requiredHeader(headers: SipHeaders, name: string): string {
  const value = headers.get(name);
  if (value === undefined) throw new SipError(400, `Missing ${name} header field`);
  return value;
}

function contactUri(headers: SipHeaders): SipUri | undefined {
  const contact = headerValues(headers, "Contact")[0];
  return contact === undefined ? undefined : parseNameAddr(contact).uri;
}

/** Methods that refresh the remote target (§12.2: "the only target refresh request defined is re-INVITE"; RFC 3311 adds UPDATE). */
const TARGET_REFRESH = new Set(["INVITE", "UPDATE"]);

export interface DialogInit {
  readonly id: DialogId;
  readonly state: DialogState;
  /** The From (UAC) or To (UAS) header field value of this side, with the local tag. */
  readonly local: string;
  /** The To (UAC) or From (UAS) header field value of the peer, with the remote tag. */
  readonly remote: string;
  readonly localSeq: number | undefined;
  readonly remoteSeq: number | undefined;
  readonly remoteTarget: SipUri;
  readonly routeSet: readonly string[];
  readonly localContact: string | undefined;
  readonly secure: boolean;
  readonly flow?: SipAddress;
}

export interface DialogRequestOptions {
  /** ACK: the CSeq number of the INVITE acknowledged (§13.2.2.4). Required for ACK. */
  readonly cseq?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  readonly contentType?: string;
}

/**
 * The state of one dialog (RFC 3261 §12) and the in-dialog requests it builds (§12.2.1.1):
 * BYE, INFO, re-INVITE, UPDATE, and the ACK for a 2xx.
 */
export class Dialog {
  readonly id: DialogId;
  readonly local: string;
  readonly remote: string;
  readonly routeSet: readonly string[];
  readonly localContact: string | undefined;
  readonly secure: boolean;
  /**
   * Where requests of this dialog go when the route set is empty, instead of the remote target:
   * the connection or address the dialog-creating request came from (a WebSocket client's
   * Contact is not reachable, RFC 7118 §5; a phone behind NAT likewise).
   */
  flow: SipAddress | undefined;
  private stateValue: DialogState;
  private localSeqValue: number | undefined;
  private remoteSeqValue: number | undefined;
  private remoteTargetValue: SipUri;

  constructor(init: DialogInit) {
    this.id = init.id;
    this.stateValue = init.state;
    this.local = init.local;
    this.remote = init.remote;
    this.localSeqValue = init.localSeq;
    this.remoteSeqValue = init.remoteSeq;
    this.remoteTargetValue = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.localContact = init.localContact;
    this.secure = init.secure;
    this.flow = init.flow;
  }

  /**
   * §12.1.1 (UAS): "The route set MUST be set to the list of URIs in the Record-Route header
   * field from the request, taken in order and preserving all URI parameters. ... The remote
   * target MUST be set to the URI from the Contact header field of the request. The remote
   * sequence number MUST be set to the value of the sequence number in the CSeq header field of
   * the request. The local sequence number MUST be empty. The call identifier component of the
   * dialog ID MUST be set to the value of the Call-ID in the request. The local tag component of
   * the dialog ID MUST be set to the tag in the To field in the response to the request (which
   * always includes a tag), and the remote tag component of the dialog ID MUST be set to the tag
   * from the From field in the request."
   */
  static createAsUas(request: SipRequest, response: SipResponse, flow?: SipAddress): Dialog {
    const remoteTarget = contactUri(request.headers);
    if (remoteTarget === undefined) throw new SipError(400, "Missing Contact header field");
    const local = requiredHeader(response.headers, "To");
    const remote = requiredHeader(request.headers, "From");
    return new Dialog({
      id: {
        callId: requiredHeader(request.headers, "Call-ID"),
        localTag: tagOf(local),
        remoteTag: tagOf(remote),
      },
      state: response.status < 200 ? DialogState.Early : DialogState.Confirmed,
      local,
      remote,
      localSeq: undefined,
      remoteSeq: parseCSeq(requiredHeader(request.headers, "CSeq")).seq,
      remoteTarget,
      routeSet: headerValues(request.headers, "Record-Route"),
      localContact: headerValues(response.headers, "Contact")[0],
      secure: request.uri.scheme === "sips",
      flow,
    });
  }

  /**
   * §12.1.2 (UAC): "The route set MUST be set to the list of URIs in the Record-Route header
   * field from the response, taken in reverse order and preserving all URI parameters. ... The
   * remote target MUST be set to the URI from the Contact header field of the response. The
   * local sequence number MUST be set to the value of the sequence number in the CSeq header
   * field of the request. The remote sequence number MUST be empty ... The local tag component
   * of the dialog ID MUST be set to the tag in the From field in the request, and the remote tag
   * component of the dialog ID MUST be set to the tag in the To field of the response."
   */
  static createAsUac(request: SipRequest, response: SipResponse): Dialog {
    const remoteTarget = contactUri(response.headers);
    if (remoteTarget === undefined) throw new SipError(400, "Missing Contact header field in the response");
    const local = requiredHeader(request.headers, "From");
    const remote = requiredHeader(response.headers, "To");
    return new Dialog({
      id: {
        callId: requiredHeader(request.headers, "Call-ID"),
        localTag: tagOf(local),
        remoteTag: tagOf(remote),
      },
      state: response.status < 200 ? DialogState.Early : DialogState.Confirmed,
      local,
      remote,
      localSeq: parseCSeq(requiredHeader(request.headers, "CSeq")).seq,
      remoteSeq: undefined,
      remoteTarget,
      routeSet: headerValues(response.headers, "Record-Route").reverse(),
      localContact: headerValues(request.headers, "Contact")[0],
      secure: request.uri.scheme === "sips",
    });
  }

  get state(): DialogState {
    return this.stateValue;
  }

  get key(): string {
    return dialogKey(this.id);
  }

  get localSeq(): number | undefined {
    return this.localSeqValue;
  }

  get remoteSeq(): number | undefined {
    return this.remoteSeqValue;
  }

  get remoteTarget(): SipUri {
    return this.remoteTargetValue;
  }

  confirm(): void {
    if (this.stateValue !== DialogState.Confirmed)
      this.stateValue = transitionDialog(this.stateValue, DialogState.Confirmed);
  }

  terminate(): void {
    if (this.stateValue !== DialogState.Terminated) {
      this.stateValue = transitionDialog(this.stateValue, DialogState.Terminated);
    }
  }

  /**
   * A request received in this dialog (§12.2.2). "If the remote sequence number was not empty,
   * but the sequence number of the request is lower than the remote sequence number, the
   * request is out of order and MUST be rejected with a 500 (Server Internal Error) response."
   * "When a UAS receives a target refresh request, it MUST replace the dialog's remote target
   * URI with the URI from the Contact header field in that request, if present." ACK and CANCEL
   * carry the number of the request they belong to and are not checked.
   */
  receiveRequest(request: SipRequest): void {
    if (request.method === "ACK" || request.method === "CANCEL") return;
    const seq = parseCSeq(requiredHeader(request.headers, "CSeq")).seq;
    if (this.remoteSeqValue !== undefined && seq < this.remoteSeqValue) {
      throw new SipError(500, "CSeq out of order");
    }
    this.remoteSeqValue = seq;
    if (TARGET_REFRESH.has(request.method))
      this.remoteTargetValue = contactUri(request.headers) ?? this.remoteTargetValue;
  }

  /**
   * A final response to a request this side sent in the dialog. §12.2.1.2: "When a UAC
   * receives a 2xx response to a target refresh request, it MUST replace the dialog's remote
   * target URI with the URI from the Contact header field in that response, if present."
   */
  receiveResponse(method: string, response: SipResponse): void {
    if (response.status >= 200 && response.status < 300 && TARGET_REFRESH.has(method)) {
      this.remoteTargetValue = contactUri(response.headers) ?? this.remoteTargetValue;
    }
  }

  /**
   * Builds a request within the dialog (§12.2.1.1), without Via (the UA core adds it when
   * sending). "The URI in the To field of the request MUST be set to the remote URI from the
   * dialog state. The tag in the To header field of the request MUST be set to the remote tag of
   * the dialog ID. The From URI of the request MUST be set to the local URI from the dialog
   * state. The tag in the From header field of the request MUST be set to the local tag of the
   * dialog ID." "The Call-ID of the request MUST be set to the Call-ID of the dialog." "if the
   * local sequence number is not empty, the value of the local sequence number MUST be
   * incremented by one, and this value MUST be placed into the CSeq header field. If the local
   * sequence number is empty, an initial value MUST be chosen using the guidelines of Section
   * 8.1.1.5." For the ACK of a 2xx, §13.2.2.4: "The sequence number of the CSeq header field
   * MUST be the same as the INVITE being acknowledged, but the CSeq method MUST be ACK."
   */
  createRequest(method: string, options: DialogRequestOptions = {}): SipRequest {
    if (this.stateValue === DialogState.Terminated && method !== "ACK") {
      throw new SipError(481, "Call/Transaction Does Not Exist");
    }
    let seq: number;
    if (method === "ACK" || method === "CANCEL") {
      if (options.cseq === undefined)
        throw new TypeError(`${method} needs the CSeq number of the request it belongs to`);
      seq = options.cseq;
    } else {
      seq = this.localSeqValue === undefined ? initialSequenceNumber() : this.localSeqValue + 1;
      this.localSeqValue = seq;
    }
    const headers = new SipHeaders();
    const { uri, routes } = this.requestTarget();
    for (const route of routes) headers.append("Route", route);
    headers.append("Max-Forwards", "70");
    headers.append("From", this.local);
    headers.append("To", this.remote);
    headers.append("Call-ID", this.id.callId);
    headers.append("CSeq", `${seq} ${method}`);
    if (this.localContact !== undefined && (TARGET_REFRESH.has(method) || method === "ACK")) {
      headers.append("Contact", this.localContact);
    }
    for (const [name, value] of Object.entries(options.headers ?? {})) headers.append(name, value);
    const body = options.body ?? Buffer.alloc(0);
    if (body.length > 0 && options.contentType !== undefined)
      headers.set("Content-Type", options.contentType);
    return { kind: "request", method, uri, headers, body };
  }

  /**
   * §12.2.1.1: "If the route set is empty, the UAC MUST place the remote target URI into the
   * Request-URI. The UAC MUST NOT add a Route header field to the request." "If the route set is
   * not empty, and the first URI in the route set contains the lr parameter (see Section
   * 19.1.1), the UAC MUST place the remote target URI into the Request-URI and MUST include a
   * Route header field containing the route set values in order, including all parameters." "If
   * the route set is not empty, and its first URI does not contain the lr parameter, the UAC
   * MUST place the first URI from the route set into the Request-URI, stripping any parameters
   * that are not allowed in a Request-URI. The UAC MUST add a Route header field containing the
   * remainder of the route set values in order, including all parameters. The UAC MUST then
   * place the remote target URI into the Route header field as the last value."
   */
  private requestTarget(): { uri: SipUri; routes: string[] } {
    const first = this.routeSet[0];
    if (first === undefined) return { uri: this.remoteTargetValue, routes: [] };
    const firstUri = parseNameAddr(first).uri;
    if (firstUri.params.has("lr")) return { uri: this.remoteTargetValue, routes: [...this.routeSet] };
    const params = new Map(firstUri.params);
    params.delete("method");
    return {
      uri: { ...firstUri, params },
      routes: [...this.routeSet.slice(1), `<${formatSipUri(this.remoteTargetValue)}>`],
    };
  }
}

/**
 * §8.1.1.5: "The sequence number value MUST be expressible as a 32-bit unsigned integer and MUST
 * be less than 2**31." A random start well below that leaves room for the increments.
 */
export function initialSequenceNumber(): number {
  return 1 + Math.floor(Math.random() * 0x3fff_ffff);
}
