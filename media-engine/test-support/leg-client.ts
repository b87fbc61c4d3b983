import { serializeMsmlRequest, MSML_CONTENT_TYPE, type MsmlRequestItem } from "../../protocol/msml";
import { serializeSipMessage, type SipRequest, type SipResponse } from "../../protocol/sip";
import {
  Dialog,
  tagOf,
  UdpTransport,
  UserAgentCore,
  type IncomingRequest,
  type SipAddress,
} from "../../sip-core";
import { pcmuOffer } from "./engine-harness";

export interface ClientLeg {
  readonly dialog: Dialog;
  readonly connId: string;
  readonly response: SipResponse;
  /** The INVITE as sent (with its Via), for retransmitting it. */
  readonly invite: SipRequest;
}

export interface ReceivedBye {
  readonly connId: string;
  readonly reason: string | undefined;
}

/**
 * The SIP Server's side of a media engine, raw enough for fault tests: INVITEs with any headers,
 * ACK or not, CANCEL at once, BYE, MSML INFO, OPTIONS; it records every BYE the engine sends
 * (with its Reason) and answers it 200.
 */
export class LegClient {
  readonly byes: ReceivedBye[] = [];
  /** Responses no transaction wanted: a 2xx retransmitted after ours was answered. */
  readonly strays: SipResponse[] = [];
  private readonly dialogs = new Map<string, Dialog>();
  readonly errors: unknown[] = [];

  private constructor(
    readonly ua: UserAgentCore,
    private readonly engine: SipAddress,
    private readonly answerByes: boolean,
  ) {}

  /**
   * A UA on 127.0.0.1:`port` talking to the engine at 127.0.0.1:`enginePort` over UDP.
   * `answerByes: false` plays a server that never answers the engine's BYEs.
   */
  static async start(
    port: number,
    enginePort: number,
    options: { answerByes?: boolean; host?: string } = {},
  ): Promise<LegClient> {
    // The UA's handlers need the client, which needs the UA.
    const self: { client?: LegClient } = {};
    const ua = new UserAgentCore({
      delegate: {
        handlers: {
          BYE: (request) => self.client!.onBye(request),
          INFO: (request) => void request.reply(200),
        },
        // Dialogs are registered for BYEs from the engine; one it tore down may still retransmit.
        isDialogRequired: () => false,
        onStrayResponse: (response) => self.client?.strays.push(response),
        onError: (error) => self.client?.errors.push(error),
      },
    });
    await ua.addTransport(new UdpTransport({ host: options.host ?? "127.0.0.1", port }));
    const client = new LegClient(
      ua,
      { transport: "UDP", host: "127.0.0.1", port: enginePort },
      options.answerByes ?? true,
    );
    self.client = client;
    return client;
  }

  private onBye(request: IncomingRequest): void {
    const to = request.message.headers.get("From") ?? "";
    this.byes.push({ connId: `conn:${tagOf(to)}`, reason: request.message.headers.get("Reason") });
    if (this.answerByes) request.reply(200);
  }

  get engineUri(): string {
    return `sip:media@${this.engine.host}:${this.engine.port}`;
  }

  private newInvite(offer: Buffer, headers: Record<string, string>) {
    return this.ua.createRequest("INVITE", this.engineUri, {
      from: "<sip:forkline@127.0.0.1>",
      to: `<${this.engineUri}>`,
      contact: `<sip:forkline@127.0.0.1:${this.ua.layer.transport("UDP").localAddress.port}>`,
      body: offer,
      contentType: "application/sdp",
      headers,
    });
  }

  /** INVITE with `offer` (a PCMU offer towards `mediaPort` by default); ACKs a 2xx unless `ack` is false. */
  async invite(
    options: { offer?: Buffer; mediaPort?: number; headers?: Record<string, string>; ack?: boolean } = {},
  ): Promise<ClientLeg | SipResponse> {
    const invite = this.newInvite(options.offer ?? pcmuOffer(options.mediaPort ?? 9), options.headers ?? {});
    const response = await this.ua.send(invite, { destination: this.engine });
    if (response.status >= 300) return response;
    return this.established(invite, response, options.ack ?? true);
  }

  /** A 2xx INVITE that must succeed. */
  async open(options: Parameters<LegClient["invite"]>[0] = {}): Promise<ClientLeg> {
    const result = await this.invite(options);
    if (!("dialog" in result)) throw new Error(`INVITE answered ${result.status} ${result.reason}`);
    return result;
  }

  /**
   * INVITE then CANCEL right away, without waiting for a provisional (the engine sends 100 at
   * once anyway): the CANCEL lands while the engine allocates ports, or after its 200 crossed it.
   * Returns the INVITE's final response; a 2xx is ACKed and then ended with BYE.
   */
  async inviteAndCancel(mediaPort = 9): Promise<number> {
    const invite = this.newInvite(pcmuOffer(mediaPort), {});
    const answered = this.ua.send(invite, { destination: this.engine });
    const cancelled = this.ua.cancel(invite, this.engine).catch(() => undefined);
    const response = await answered;
    await cancelled;
    if (response.status < 300) await this.bye(await this.established(invite, response, true));
    return response.status;
  }

  /**
   * Sends `leg`'s INVITE again, byte for byte (same branch): what a UAC does when its first copy
   * seems lost, and what crosses the engine's 200 on a busy network.
   */
  async retransmitInvite(leg: ClientLeg): Promise<void> {
    await this.ua.layer.sendBytes(serializeSipMessage(leg.invite), this.engine);
  }

  private async established(
    invite: ReturnType<LegClient["newInvite"]>,
    response: SipResponse,
    ack: boolean,
  ): Promise<ClientLeg> {
    const dialog = Dialog.createAsUac(invite, response);
    dialog.flow = this.engine;
    this.ua.registerDialog(dialog);
    if (ack) await this.ua.ack(dialog, response, { destination: this.engine });
    const connId = `conn:${tagOf(response.headers.get("To") ?? "")}`;
    this.dialogs.set(connId, dialog);
    return { dialog, connId, response, invite };
  }

  async bye(leg: ClientLeg): Promise<SipResponse> {
    return this.ua.sendInDialog(leg.dialog, leg.dialog.createRequest("BYE"), { destination: this.engine });
  }

  async reinvite(leg: ClientLeg, offer: Buffer): Promise<SipResponse> {
    const request = leg.dialog.createRequest("INVITE", { body: offer, contentType: "application/sdp" });
    const response = await this.ua.sendInDialog(leg.dialog, request, { destination: this.engine });
    if (response.status < 300) await this.ua.ack(leg.dialog, response, { destination: this.engine });
    return response;
  }

  async msml(leg: ClientLeg, items: MsmlRequestItem[]): Promise<SipResponse> {
    const info = leg.dialog.createRequest("INFO", {
      body: Buffer.from(serializeMsmlRequest({ version: "1.1", items }), "utf8"),
      contentType: MSML_CONTENT_TYPE,
    });
    return this.ua.sendInDialog(leg.dialog, info, { destination: this.engine });
  }

  async options(headers: Record<string, string> = {}): Promise<SipResponse> {
    const request = this.ua.createRequest("OPTIONS", this.engineUri, {
      from: "<sip:forkline@127.0.0.1>",
      to: `<${this.engineUri}>`,
      headers,
    });
    return this.ua.send(request, { destination: this.engine });
  }

  /** `legs` and `ports` (in use) of X-Forkline-Load. */
  async load(
    headers: Record<string, string> = {},
  ): Promise<{ legs: number; ports: number; capacity: number }> {
    const value = (await this.options(headers)).headers.get("X-Forkline-Load") ?? "";
    const match = /legs=(\d+);ports=(\d+)\/(\d+)/.exec(value);
    if (match === null) throw new Error(`no load in OPTIONS answer: "${value}"`);
    return { legs: Number(match[1]), ports: Number(match[2]), capacity: Number(match[3]) };
  }

  close(): Promise<void> {
    return this.ua.close();
  }
}
