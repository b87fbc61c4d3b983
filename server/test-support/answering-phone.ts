import { parseSdp } from "../../protocol/sdp";
import type { SipRequest, SipResponse } from "../../protocol/sip";
import { Dialog, UdpTransport, UserAgentCore, type IncomingRequest, type SipTransport } from "../../sip-core";

/**
 * A SIP phone for integration tests that answers every INVITE: to a late-offer INVITE (what the
 * SIP Server sends callees) it puts a G.711 offer for `mediaPort` in the 200 and reads the
 * answer from the ACK. It keeps its dialog so a test can send in-dialog requests (REFER, BYE).
 */
export class AnsweringPhone {
  dialog: Dialog | undefined;
  /** The SDP the other side sent (answer in the ACK, or offer in the INVITE). */
  remoteSdp: Buffer | undefined;
  readonly notifies: string[] = [];
  readonly byes: SipRequest[] = [];
  readonly invites: SipRequest[] = [];

  private constructor(
    readonly ua: UserAgentCore,
    readonly transport: SipTransport,
    readonly mediaPort: number,
    /** The phone's address (SIP and media): loopback, or a test host's. */
    readonly host: string,
  ) {}

  /** On its own UDP port, or on `transport` (a WebSocket to the server, as a browser). */
  static async start(
    mediaPort: number,
    transport?: SipTransport,
    host = "127.0.0.1",
  ): Promise<AnsweringPhone> {
    // The handlers need the phone they belong to, which needs the UA: a holder breaks the cycle.
    const holder: { phone?: AnsweringPhone } = {};
    const ua = new UserAgentCore({
      delegate: {
        handlers: {
          INVITE: (request) => holder.phone!.answer(request),
          BYE: (request) => {
            holder.phone!.byes.push(request.message);
            request.reply(200);
          },
          NOTIFY: (request) => {
            holder.phone!.notifies.push(request.message.body.toString().trim());
            request.reply(200);
          },
        },
        onAck: (ack) => {
          if (ack.body.length > 0 && holder.phone !== undefined) holder.phone.remoteSdp = ack.body;
        },
        isDialogRequired: () => false,
        onError: () => undefined,
      },
    });
    const over = transport ?? new UdpTransport({ host, port: 0 });
    await ua.addTransport(over);
    holder.phone = new AnsweringPhone(ua, over, mediaPort, host);
    return holder.phone;
  }

  get contact(): string {
    const { host, port } = this.transport.localAddress;
    if (this.transport.protocol === "WS") return `<sip:phone@${host};transport=ws>`;
    if (this.transport.protocol === "TLS") return `<sips:phone@${this.host}:${port}>`;
    return `<sip:phone@${this.host}:${port}>`;
  }

  /** The media port the SIP Server's side (the media engine) told this phone to send to. */
  remoteMediaPort(): number | undefined {
    return this.remoteSdp === undefined ? undefined : parseSdp(this.remoteSdp).media[0]?.port;
  }

  private answer(request: IncomingRequest): void {
    this.invites.push(request.message);
    if (request.message.body.length > 0) this.remoteSdp = request.message.body;
    const sdp = [
      "v=0",
      `o=phone 1 1 IN IP4 ${this.host}`,
      "s=-",
      `c=IN IP4 ${this.host}`,
      "t=0 0",
      `m=audio ${this.mediaPort} RTP/AVP 0 8`,
      "a=rtpmap:0 PCMU/8000",
      "a=rtpmap:8 PCMA/8000",
      "",
    ].join("\r\n");
    const response = request.createResponse(200, {
      headers: { Contact: this.contact },
      body: sdp,
      contentType: "application/sdp",
    });
    this.dialog = Dialog.createAsUas(request.message, response, request.source);
    this.ua.registerDialog(this.dialog);
    request.send(response);
  }

  /** REFER in the current dialog (RFC 3515), e.g. a blind transfer to `target`. */
  refer(target: string, host: string): Promise<SipResponse> {
    const dialog = this.dialog!;
    return this.ua.sendInDialog(
      dialog,
      dialog.createRequest("REFER", { headers: { "Refer-To": `<sip:${target}@${host}>` } }),
    );
  }

  close(): Promise<void> {
    return this.ua.close();
  }
}
