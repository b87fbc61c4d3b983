import { createResponse, parseSipMessage, type SipRequest, type SipResponse } from "../../protocol/sip";
import type { SipAddress, TransportProtocol } from "../sip-address";
import type { SipMessage } from "../sip-transport";
import type { ClientTransactionUser, ServerTransactionUser, TransactionContext } from "../transaction";
import { DEFAULT_TIMER_VALUES } from "../timer-values";
import type { FakeClock } from "../fake-clock";
import type { SipTransportError } from "../sip-transport-error";

export interface RequestFixture {
  readonly method?: string;
  readonly uri?: string;
  readonly branch?: string;
  readonly transport?: TransportProtocol;
  readonly viaHost?: string;
  readonly viaPort?: number;
  readonly rport?: boolean;
  readonly callId?: string;
  readonly cseq?: number;
  readonly cseqMethod?: string;
  readonly fromTag?: string;
  readonly toTag?: string;
  readonly extraHeaders?: readonly string[];
  readonly body?: string;
}

/** The text of a request, CRLF-terminated lines. */
export function requestText(fixture: RequestFixture = {}): string {
  const method = fixture.method ?? "OPTIONS";
  const branch = fixture.branch ?? "z9hG4bKtest1";
  const via =
    `SIP/2.0/${fixture.transport ?? "UDP"} ${fixture.viaHost ?? "192.0.2.10"}` +
    `${fixture.viaPort === undefined ? ":5060" : `:${fixture.viaPort}`};branch=${branch}${fixture.rport ? ";rport" : ""}`;
  const body = fixture.body ?? "";
  const lines = [
    `${method} ${fixture.uri ?? "sip:bob@192.0.2.20"} SIP/2.0`,
    `Via: ${via}`,
    "Max-Forwards: 70",
    `From: Alice <sip:alice@192.0.2.10>;tag=${fixture.fromTag ?? "from1"}`,
    `To: Bob <sip:bob@192.0.2.20>${fixture.toTag === undefined ? "" : `;tag=${fixture.toTag}`}`,
    `Call-ID: ${fixture.callId ?? "call-1@192.0.2.10"}`,
    `CSeq: ${fixture.cseq ?? 1} ${fixture.cseqMethod ?? method}`,
    "Contact: <sip:alice@192.0.2.10:5060>",
    ...(fixture.extraHeaders ?? []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    "",
    body,
  ];
  return lines.join("\r\n");
}

export function request(fixture: RequestFixture = {}): SipRequest {
  const message = parseSipMessage(requestText(fixture));
  if (message.kind !== "request") throw new Error("fixture is not a request");
  return message;
}

/** A response to `req`, with a To tag for anything above 100. */
export function responseTo(req: SipRequest, status: number, toTag = "to1"): SipResponse {
  const response = createResponse(req, status);
  const to = req.headers.get("To") ?? "";
  if (status > 100 && !/;tag=/.test(to)) response.headers.set("To", `${to};tag=${toTag}`);
  return response;
}

export function parse(bytes: Buffer): SipMessage {
  return parseSipMessage(bytes);
}

export function parseResponse(bytes: Buffer): SipResponse {
  const message = parseSipMessage(bytes);
  if (message.kind !== "response") throw new Error(`expected a response, got ${bytes.toString("latin1")}`);
  return message;
}

export function parseRequest(bytes: Buffer): SipRequest {
  const message = parseSipMessage(bytes);
  if (message.kind !== "request") throw new Error(`expected a request, got ${bytes.toString("latin1")}`);
  return message;
}

/** A TransactionContext whose sender records every transmission (and can be made to fail). */
export class RecordingSender {
  readonly sent: Buffer[] = [];
  failWith: Error | undefined;
  readonly destination: SipAddress;

  constructor(
    readonly reliable: boolean,
    transport: TransportProtocol = reliable ? "TCP" : "UDP",
  ) {
    this.destination = { transport, host: "192.0.2.20", port: 5060 };
  }

  send(bytes: Buffer): Promise<void> {
    if (this.failWith !== undefined) return Promise.reject(this.failWith);
    this.sent.push(bytes);
    return Promise.resolve();
  }

  context(clock: FakeClock, onTerminated?: () => void): TransactionContext {
    return { clock, timers: DEFAULT_TIMER_VALUES, sender: this, onTerminated };
  }

  /** First line of every transmission. */
  startLines(): string[] {
    return this.sent.map((bytes) => bytes.toString("latin1").split("\r\n")[0] ?? "");
  }
}

export class RecordingClientUser implements ClientTransactionUser {
  readonly responses: SipResponse[] = [];
  timeouts = 0;
  readonly transportErrors: SipTransportError[] = [];

  onResponse(response: SipResponse): void {
    this.responses.push(response);
  }

  onRequestTimeout(): void {
    this.timeouts++;
  }

  onTransportError(error: SipTransportError): void {
    this.transportErrors.push(error);
  }
}

export class RecordingServerUser implements ServerTransactionUser {
  readonly transportErrors: SipTransportError[] = [];
  ackTimeouts = 0;

  onTransportError(error: SipTransportError): void {
    this.transportErrors.push(error);
  }

  onAckTimeout(): void {
    this.ackTimeouts++;
  }
}

/** Lets pending promise callbacks (transport failures) run. */
export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
