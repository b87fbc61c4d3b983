import type { SipRequest, SipResponse } from "../../protocol/sip";
import { answerDigest } from "./answer-digest";
import { Dialog, UdpTransport, UserAgentCore, type RequestHandler } from "../../sip-core";

/**
 * A minimal SIP phone for integration tests: registers an extension with digest auth (RFC 7616)
 * from a UDP port of its own, for a Contact the test chooses (a SIPp instance, a baresip).
 */
export class SipTestPhone {
  private constructor(
    readonly ua: UserAgentCore,
    readonly transport: UdpTransport,
  ) {}

  static async start(handlers: Record<string, RequestHandler> = {}, port = 0): Promise<SipTestPhone> {
    const errors: unknown[] = [];
    const ua = new UserAgentCore({ delegate: { handlers, onError: (error) => errors.push(error) } });
    const transport = new UdpTransport({ host: "127.0.0.1", port });
    await ua.addTransport(transport);
    return new SipTestPhone(ua, transport);
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
      this.ua.createRequest("REGISTER", `sip:${opts.server}`, {
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
      uri: `sip:${opts.server}`,
      ...(opts.algorithm === undefined ? {} : { algorithm: opts.algorithm }),
    });
    return this.ua.send(make(2, authorization));
  }

  /** Calls `number` and ACKs a 2xx: the established dialog, or the refusal. */
  async call(server: string, number: string): Promise<{ response: SipResponse; dialog?: Dialog }> {
    const { request, response } = await this.inviteWithRequest(server, number);
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

  private async inviteWithRequest(
    server: string,
    number: string,
  ): Promise<{ request: SipRequest; response: SipResponse }> {
    const sdp = [
      "v=0",
      "o=test 1 1 IN IP4 127.0.0.1",
      "s=-",
      "c=IN IP4 127.0.0.1",
      "t=0 0",
      "m=audio 32700 RTP/AVP 8",
      "a=rtpmap:8 PCMA/8000",
      "",
    ].join("\r\n");
    const request = this.ua.createRequest("INVITE", `sip:${number}@${server}`, {
      from: `<sip:+15550000000@127.0.0.1:${this.transport.localAddress.port}>`,
      to: `<sip:${number}@${server}>`,
      contact: `<sip:trunk@127.0.0.1:${this.transport.localAddress.port}>`,
      body: sdp,
      contentType: "application/sdp",
    });
    return { request, response: await this.ua.send(request) };
  }

  close(): Promise<void> {
    return this.ua.close();
  }
}
