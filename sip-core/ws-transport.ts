import { randomUUID } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { isUtf8 } from "node:buffer";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { ProtocolParseError } from "../protocol/protocol-parse-error";
import { receiveSipMessage } from "./receive-sip-message";
import type { SipAddress } from "./sip-address";
import {
  emptyTransportStats,
  type SipTransport,
  type SipTransportDelegate,
  type TransportStats,
} from "./sip-transport";
import { SipTransportError, toSipTransportError } from "./sip-transport-error";
import { normalizeIp } from "./stamp-received";

export interface WsTransportOptions {
  /** The HTTP(S) server whose 'upgrade' requests on `path` become SIP connections. */
  readonly server: Server;
  readonly path?: string;
  /** "WSS" when `server` is an https.Server. */
  readonly protocol?: "WS" | "WSS";
  readonly maxMessageSize?: number;
  /** The Via sent-by host for requests this side originates (default: the server's address). */
  readonly advertisedHost?: string;
  /**
   * Decides, before the handshake, whether an upgrade may become a SIP connection, and who owns
   * it. RFC 6455 §10.5: "The WebSocket server can use any client authentication mechanism
   * available to a generic HTTP server, such as cookies, HTTP authentication, or TLS
   * authentication." Without it every upgrade offering "sip" is taken, owned by nobody.
   */
  readonly admit?: (request: IncomingMessage) => Promise<WsAdmission>;
  /**
   * A connection closed (by either side): whatever was reached through it cannot be any more,
   * as a server cannot open a WebSocket to its client (RFC 7118 §5.2).
   */
  readonly onConnectionClosed?: (connectionId: string) => void;
}

/** The answer of `admit`: the connection's owner (an opaque label), or the HTTP refusal. */
export type WsAdmission =
  | { readonly accepted: true; readonly owner: string }
  | { readonly accepted: false; readonly status: 401 | 403; readonly reason: string };

/** RFC 7118 §4.1: the subprotocol token the client offers and the server echoes. */
export const SIP_WEBSOCKET_SUBPROTOCOL = "sip";
const DEFAULT_MAX_MESSAGE_SIZE = 256 * 1024;

function rawDataToBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function offeredSubprotocols(request: IncomingMessage): string[] {
  const header = request.headers["sec-websocket-protocol"];
  if (header === undefined) return [];
  return header
    .split(",")
    .map((token) => token.trim())
    .filter((token) => token.length > 0);
}

const STATUS_TEXT = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/**
 * Answers a WebSocket upgrade with a plain HTTP refusal and closes the socket once it is sent (an
 * upgrade nobody answers hangs, a socket leaked per request).
 */
export function refuseUpgrade(socket: Duplex, reason: string, status: keyof typeof STATUS_TEXT = 400): void {
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

/**
 * SIP over WebSocket (RFC 7118) on an existing HTTP server. Only upgrades on `path` are taken;
 * others are left to the server's other 'upgrade' listeners.
 *
 * RFC 7118 §4.1: "The SIP WebSocket Client and SIP WebSocket Server negotiate usage of the
 * WebSocket SIP subprotocol during the WebSocket handshake procedure". An upgrade that does not
 * offer "sip" is answered 400 and closed. "Once the negotiation has been completed, the
 * WebSocket connection is established and can be used for the transport of SIP requests and
 * responses. Messages other than SIP requests and responses MUST NOT be transmitted over this
 * connection."
 *
 * RFC 7118 §4.2: text and binary messages are both accepted; "Each SIP message MUST be carried
 * within a single WebSocket message, and a WebSocket message MUST NOT contain more than one SIP
 * message." So a WebSocket message is parsed as exactly one SIP message, with no stream framing.
 *
 * A server cannot open WebSocket connections to its clients: send() needs the connection a
 * message came from (`connectionId`), as the Via of a WebSocket client names an unresolvable
 * host (RFC 7118 §5.2, "invalid" domain).
 */
export class WsTransport implements SipTransport {
  readonly protocol: "WS" | "WSS";
  readonly reliable = true;
  readonly stats: TransportStats = emptyTransportStats();
  private readonly path: string;
  private readonly maxMessageSize: number;
  private readonly connections = new Map<string, { socket: WebSocket; remote: SipAddress; owner?: string }>();
  private wss: WebSocketServer | undefined;
  private delegate: SipTransportDelegate | undefined;
  private closed = false;
  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) =>
    this.upgrade(request, socket, head);

  constructor(private readonly options: WsTransportOptions) {
    this.protocol = options.protocol ?? "WS";
    this.path = options.path ?? "/sip";
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  }

  get localAddress(): { host: string; port: number } {
    const address = this.options.server.address();
    if (address === null || typeof address === "string") {
      throw new SipTransportError("WebSocket transport: the HTTP server is not listening");
    }
    return { host: this.options.advertisedHost ?? address.address, port: address.port };
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Closes one connection with 1008 "policy violation" (RFC 6455 §7.4.1: "an endpoint is
   * terminating the connection because it has received a message that violates its policy"),
   * e.g. when its owner may no longer use what it registered. False when it is already gone.
   */
  closeConnection(connectionId: string, reason: string): boolean {
    const connection = this.connections.get(connectionId);
    if (connection === undefined) return false;
    // A close frame's reason is at most 123 bytes (RFC 6455 §5.5: control frames carry 125
    // bytes of payload, 2 of them the status code).
    let text = reason;
    while (Buffer.byteLength(text, "utf8") > 123) text = text.slice(0, -1);
    connection.socket.close(1008, text);
    return true;
  }

  /** The owner `admit` gave the connection, undefined when it is gone or nobody owns it. */
  ownerOf(connectionId: string): string | undefined {
    return this.connections.get(connectionId)?.owner;
  }

  async start(delegate: SipTransportDelegate): Promise<void> {
    if (this.wss !== undefined) throw new SipTransportError("WebSocket transport already started");
    this.delegate = delegate;
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.maxMessageSize,
      handleProtocols: (protocols) =>
        protocols.has(SIP_WEBSOCKET_SUBPROTOCOL) ? SIP_WEBSOCKET_SUBPROTOCOL : false,
    });
    this.options.server.on("upgrade", this.onUpgrade);
  }

  send(message: Buffer, destination: SipAddress): Promise<void> {
    const connection =
      destination.connectionId === undefined ? undefined : this.connections.get(destination.connectionId);
    if (this.closed || connection === undefined || connection.socket.readyState !== connection.socket.OPEN) {
      return Promise.reject(new SipTransportError("no open WebSocket connection", destination));
    }
    return new Promise((resolve, reject) => {
      connection.socket.send(message, { binary: !isUtf8(message) }, (error) => {
        if (error) reject(toSipTransportError(error, "WebSocket send failed", destination));
        else {
          this.stats.sent++;
          resolve();
        }
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.options.server.off("upgrade", this.onUpgrade);
    for (const { socket } of this.connections.values()) socket.terminate();
    this.connections.clear();
    const wss = this.wss;
    if (wss !== undefined) await new Promise<void>((resolve) => wss.close(() => resolve()));
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const wss = this.wss;
    const delegate = this.delegate;
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    if (path !== this.path) return;
    if (wss === undefined || delegate === undefined || this.closed) {
      socket.destroy();
      return;
    }
    if (!offeredSubprotocols(request).includes(SIP_WEBSOCKET_SUBPROTOCOL)) {
      refuseUpgrade(socket, 'WebSocket subprotocol "sip" required (RFC 7118)');
      return;
    }
    const admit = this.options.admit;
    if (admit === undefined) {
      wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, request, delegate, undefined));
      return;
    }
    admit(request).then(
      (admission) => {
        if (this.closed || socket.destroyed) {
          socket.destroy();
        } else if (!admission.accepted) {
          refuseUpgrade(socket, admission.reason, admission.status);
        } else {
          wss.handleUpgrade(request, socket, head, (ws) =>
            this.accept(ws, request, delegate, admission.owner),
          );
        }
      },
      (error: unknown) => {
        refuseUpgrade(socket, "could not check who is connecting", 500);
        delegate.onTransportError(toSipTransportError(error, "WebSocket admission failed"));
      },
    );
  }

  private accept(
    socket: WebSocket,
    request: IncomingMessage,
    delegate: SipTransportDelegate,
    owner: string | undefined,
  ): void {
    if (this.closed) {
      socket.terminate();
      return;
    }
    const connectionId = `${this.protocol.toLowerCase()}-${randomUUID()}`;
    const remote: SipAddress = {
      transport: this.protocol,
      host: normalizeIp(request.socket.remoteAddress ?? "0.0.0.0"),
      port: request.socket.remotePort ?? 0,
      connectionId,
    };
    this.connections.set(connectionId, owner === undefined ? { socket, remote } : { socket, remote, owner });
    socket.on("message", (data) => {
      if (this.closed) return;
      const raw = rawDataToBuffer(data);
      if (raw.length === 0) {
        this.stats.parseErrors++;
        delegate.onParseError(new ProtocolParseError("sip", "empty WebSocket message"), remote, raw);
        return;
      }
      receiveSipMessage(raw, remote, delegate, this.stats);
    });
    socket.on("error", (error) => {
      // ws closes the connection itself (1009) when a message exceeds maxPayload.
      if ("code" in error && error.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") this.stats.droppedOversize++;
      delegate.onTransportError(toSipTransportError(error, "WebSocket connection error", remote));
    });
    socket.on("close", () => {
      this.connections.delete(connectionId);
      if (!this.closed) this.options.onConnectionClosed?.(connectionId);
    });
  }
}
