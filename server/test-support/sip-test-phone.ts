import type { SipRequest, SipResponse } from "../../protocol/sip";
import { answerDigest } from "./answer-digest";
import {
  Dialog,
  TcpTransport,
  TlsTransport,
  UdpTransport,
  UserAgentCore,
  type RequestHandler,
  type SipTlsOptions,
} from "../../sip-core";

/**
 * A minimal SIP phone for integration tests: registers an extension with digest auth (RFC 7616)
 * from a UDP port of its own, for a Contact the test chooses (a SIPp instance, a baresip).
 */
export class SipTestPhone {
  private constructor(
    readonly ua: UserAgentCore,
    readonly transport: UdpTransport | TcpTransport,
    private readonly over: "UDP" | "TCP" | "TLS",
    /** The phone's address: loopback, or a test host's. */
    private readonly host = "127.0.0.1",
  ) {}

  /**
   * Over TCP, every request goes to the server with `;transport=tcp`, on one connection that
   * the server then uses towards the phone as well (RFC 3261 §18: responses and requests reuse
   * the flow).
   */
  static async start(
    handlers: Record<string, RequestHandler> = {},
    port = 0,
    over: "UDP" | "TCP" | "TLS" = "UDP",
    /** Over TLS: the phone's certificate (to accept connections) and the CA it trusts. */
    tls: SipTlsOptions = {},
    host = "127.0.0.1",
  ): Promise<SipTestPhone> {
    const errors: unknown[] = [];
    const ua = new UserAgentCore({ delegate: { handlers, onError: (error) => errors.push(error) } });
    const transport =
      over === "TLS"
        ? new TlsTransport({ host, port, tls })
        : over === "TCP"
          ? new TcpTransport({ host, port })
          : new UdpTransport({ host, port });
    await ua.addTransport(transport);
    return new SipTestPhone(ua, transport, over, host);
  }

  /** Registers and calls from another test UA (an AnsweringPhone), on its transport and flow. */
  static using(ua: UserAgentCore, transport: UdpTransport | TcpTransport): SipTestPhone {
    return new SipTestPhone(ua, transport, transport.protocol);
  }

  /** `sip:<user@>server`, with the transport parameter when the phone speaks TCP; `sips:` over TLS. */
  private uri(server: string, user?: string): string {
    const scheme = this.over === "TLS" ? "sips" : "sip";
    return `${scheme}:${user === undefined ? "" : `${user}@`}${server}${this.over === "TCP" ? ";transport=tcp" : ""}`;
  }

  async register(opts: {
    server: string;
    user: string;
    password: string;
    contact: string;
    expires?: number;
    algorithm?: "MD5" | "SHA-256";
  }): Promise<SipResponse> {
    const make = (cseq: number, authorization?: string) =>
      this.ua.createRequest("REGISTER", this.uri(opts.server), {
        from: `<sip:${opts.user}@${opts.server}>`,
        to: `<sip:${opts.user}@${opts.server}>`,
        callId: `reg-${opts.user}-${this.transport.localAddress.port}`,
        cseq,
        contact: opts.contact,
        headers: {
          Expires: String(opts.expires ?? 300),
          ...(authorization === undefined ? {} : { Authorization: authorization }),
        },
      });
    const first = await this.ua.send(make(1));
    if (first.status !== 401) return first;
    const authorization = answerDigest(first.headers.getAll("WWW-Authenticate"), {
      user: opts.user,
      password: opts.password,
      method: "REGISTER",
      uri: this.uri(opts.server),
      ...(opts.algorithm === undefined ? {} : { algorithm: opts.algorithm }),
    });
    return this.ua.send(make(2, authorization));
  }

  /** Calls `number` and ACKs a 2xx: the established dialog, or the refusal. */
  async call(
    server: string,
    number: string,
    /** The calling extension (From), when the phone is one; a trunk caller otherwise. */
    as?: string,
  ): Promise<{ response: SipResponse; dialog?: Dialog }> {
    const { request, response } = await this.inviteWithRequest(server, number, as);
    if (response.status >= 300) return { response };
    const dialog = Dialog.createAsUac(request, response);
    this.ua.registerDialog(dialog);
    await this.ua.ack(dialog, response);
    return { response, dialog };
  }

  /** An INVITE with a G.711 offer from this phone to `number` at the server; resolves with the final response. */
  async invite(server: string, number: string): Promise<SipResponse> {
    return (await this.inviteWithRequest(server, number)).response;
  }

  /**
   * Calls `number`, and once the call rings (a provisional response: RFC 3261 §9.1 forbids a
   * CANCEL before one), cancels it. Resolves with the CANCEL's and the INVITE's final responses.
   */
  async callThenCancel(
    server: string,
    number: string,
    /** Also waits for this before cancelling (e.g. the callee's phone rang). */
    after: Promise<unknown> = Promise.resolve(),
  ): Promise<{ cancel: SipResponse; invite: SipResponse }> {
    const [host, port] = server.split(":");
    let rang: () => void = () => undefined;
    const ringing = new Promise<void>((resolve) => (rang = resolve));
    const { request, final } = this.startInvite(server, number, () => rang());
    await ringing;
    await after;
    const cancel = await this.ua.cancel(request, { transport: this.over, host: host!, port: Number(port) });
    return { cancel, invite: await final };
  }

  private async inviteWithRequest(
    server: string,
    number: string,
    as?: string,
  ): Promise<{ request: SipRequest; response: SipResponse }> {
    const { request, final } = this.startInvite(server, number, undefined, as);
    return { request, response: await final };
  }

  private startInvite(
    server: string,
    number: string,
    onProvisional?: (response: SipResponse) => void,
    as = "+15550000000",
  ): { request: SipRequest; final: Promise<SipResponse> } {
    const sdp = [
      "v=0",
      `o=test 1 1 IN IP4 ${this.host}`,
      "s=-",
      `c=IN IP4 ${this.host}`,
      "t=0 0",
      "m=audio 32700 RTP/AVP 8",
      "a=rtpmap:8 PCMA/8000",
      "",
    ].join("\r\n");
    const request = this.ua.createRequest("INVITE", this.uri(server, number), {
      from: `<sip:${as}@${this.host}:${this.transport.localAddress.port}>`,
      to: `<sip:${number}@${server}>`,
      contact: `<${this.over === "TLS" ? "sips" : "sip"}:${as}@${this.host}:${this.transport.localAddress.port}${this.over === "TCP" ? ";transport=tcp" : ""}>`,
      body: sdp,
      contentType: "application/sdp",
    });
    return {
      request,
      final: this.ua.send(request, onProvisional === undefined ? {} : { onProvisional }),
    };
  }

  close(): Promise<void> {
    return this.ua.close();
  }
}
