import WebSocket from "ws";
import {
  emptyTransportStats,
  receiveSipMessage,
  SipTransportError,
  type SipAddress,
  type SipTransport,
  type SipTransportDelegate,
  type TransportStats,
} from "../../sip-core";

/**
 * The client end of SIP over WebSocket (RFC 7118), as a browser softphone has it: one
 * connection to the server's /sip, every message a text frame, "sip" subprotocol. What the
 * server sends arrives from `server` (the address to send requests to, connection id "server").
 */
export class WsClientTransport implements SipTransport {
  readonly protocol = "WS" as const;
  readonly reliable = true;
  readonly stats: TransportStats = emptyTransportStats();
  /** RFC 7118 §5.2: a WebSocket client's Via sent-by and Contact host are not reachable names. */
  readonly localAddress = { host: `${Math.random().toString(36).slice(2, 10)}.invalid`, port: 0 };
  readonly server: SipAddress;
  private socket: WebSocket | undefined;

  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string> = {},
  ) {
    const { hostname, port } = new URL(url);
    this.server = { transport: "WS", host: hostname, port: Number(port), connectionId: "server" };
  }

  async start(delegate: SipTransportDelegate): Promise<void> {
    const socket = new WebSocket(this.url, "sip", { headers: this.headers });
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
      socket.once("unexpected-response", (_request, response) =>
        reject(new Error(`the WebSocket was refused: ${response.statusCode}`)),
      );
    });
    socket.on("message", (data: Buffer) => receiveSipMessage(data, this.server, delegate, this.stats));
    socket.on("error", (error) =>
      delegate.onTransportError(new SipTransportError(error.message, this.server)),
    );
    this.socket = socket;
  }

  send(message: Buffer, destination: SipAddress): Promise<void> {
    const socket = this.socket;
    if (socket === undefined || socket.readyState !== WebSocket.OPEN)
      return Promise.reject(new SipTransportError("the WebSocket is closed", destination));
    this.stats.sent++;
    return new Promise((resolve, reject) =>
      socket.send(message.toString("utf8"), (error) =>
        error ? reject(new SipTransportError(error.message, destination)) : resolve(),
      ),
    );
  }

  async close(): Promise<void> {
    const socket = this.socket;
    if (socket === undefined || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      socket.once("close", () => resolve());
      socket.close();
    });
  }
}
