import { connect, createServer, type Server, type Socket } from "node:net";
import { ProtocolParseError } from "../protocol/protocol-parse-error";
import { frameSipStream } from "../protocol/sip";
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

export interface TcpTransportOptions {
  readonly host: string;
  /** 0 lets the OS choose (tests). */
  readonly port: number;
  /** A message (or unframed bytes) larger than this closes the connection as a framing error. */
  readonly maxMessageSize?: number;
  /**
   * RFC 3261 §18: "It is RECOMMENDED that connections be kept open for some
   * implementation-defined duration after the last message was sent or received over that
   * connection. This duration SHOULD at least equal the longest amount of time the element
   * would need in order to bring a transaction from instantiation to the terminated state."
   */
  readonly idleTimeoutMs?: number;
  /**
   * How long a message may take from its first byte to its last. A peer that starts a message
   * and never finishes it (or trickles it, resetting the idle timer) would otherwise hold the
   * connection and its buffer for ever; the connection is closed instead.
   */
  readonly incompleteMessageTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly advertisedHost?: string;
}

interface TcpConnection {
  readonly id: string;
  readonly key: string;
  readonly socket: Socket;
  readonly remote: SipAddress;
  buffer: Buffer;
  closing: boolean;
  /** Runs while `buffer` holds the start of a message that is not complete yet. */
  incomplete: NodeJS.Timeout | undefined;
}

const CRLF = 0x0d0a;
const DEFAULT_MAX_MESSAGE_SIZE = 256 * 1024;
const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_INCOMPLETE_MESSAGE_TIMEOUT_MS = 10_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

function remoteKey(host: string, port: number): string {
  return `${normalizeIp(host)}:${port}`;
}

/**
 * SIP over TCP (RFC 3261 §18). Connections, accepted or opened, are indexed by the far end's
 * address and port and shared by requests and responses ("connections are shared between client
 * and server transport functions. These connections are indexed by the tuple formed from the
 * address, port, and transport protocol at the far end of the connection."). The stream is cut
 * into messages by Content-Length (§18.3: "The Content-Length header field MUST be used with
 * stream oriented transports."); bytes that cannot be framed close that connection only.
 */
export class TcpTransport implements SipTransport {
  readonly protocol = "TCP" as const;
  readonly reliable = true;
  readonly stats: TransportStats = emptyTransportStats();
  private server: Server | undefined;
  private delegate: SipTransportDelegate | undefined;
  private bound: { host: string; port: number } | undefined;
  private closed = false;
  private nextConnection = 1;
  private readonly connections = new Map<string, TcpConnection>();
  private readonly byRemote = new Map<string, TcpConnection>();
  private readonly connecting = new Map<string, Promise<TcpConnection>>();
  private readonly maxMessageSize: number;

  constructor(private readonly options: TcpTransportOptions) {
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  }

  get localAddress(): { host: string; port: number } {
    if (this.bound === undefined) throw new SipTransportError("TCP transport not started");
    return { host: this.options.advertisedHost ?? this.bound.host, port: this.bound.port };
  }

  /** Open connections (accepted and opened). */
  get connectionCount(): number {
    return this.connections.size;
  }

  async start(delegate: SipTransportDelegate): Promise<void> {
    if (this.server !== undefined) throw new SipTransportError("TCP transport already started");
    this.delegate = delegate;
    const server = createServer((socket) => this.adopt(socket, undefined));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(toSipTransportError(error, "TCP listen failed"));
      server.once("error", onError);
      server.listen(this.options.port, this.options.host, () => {
        server.off("error", onError);
        resolve();
      });
    });
    server.on("error", (error) => delegate.onTransportError(toSipTransportError(error, "TCP server error")));
    const address = server.address();
    if (address === null || typeof address === "string")
      throw new SipTransportError("TCP server has no address");
    this.bound = { host: address.address, port: address.port };
  }

  /**
   * Writes on the connection named by `connectionId` if it is still open, else on an open
   * connection to host:port, else on a new one (RFC 3261 §18.1.1: "If a request is destined to
   * an IP address, port, and transport to which an existing connection is open, it is
   * RECOMMENDED that this connection be used to send the request").
   */
  send(message: Buffer, destination: SipAddress): Promise<void> {
    if (this.closed || this.server === undefined) {
      return Promise.reject(new SipTransportError("TCP transport is not open", destination));
    }
    const existing = this.findConnection(destination);
    if (existing !== undefined) return this.write(existing, message, destination);
    return this.open(destination).then((connection) => this.write(connection, message, destination));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const connection of this.connections.values()) connection.socket.destroy();
    this.connections.clear();
    this.byRemote.clear();
    const server = this.server;
    if (server === undefined) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private findConnection(destination: SipAddress): TcpConnection | undefined {
    if (destination.connectionId !== undefined) {
      const byId = this.connections.get(destination.connectionId);
      if (byId !== undefined && !byId.closing) return byId;
    }
    const byAddress = this.byRemote.get(remoteKey(destination.host, destination.port));
    return byAddress !== undefined && !byAddress.closing ? byAddress : undefined;
  }

  private write(connection: TcpConnection, message: Buffer, destination: SipAddress): Promise<void> {
    return new Promise((resolve, reject) => {
      if (connection.closing || connection.socket.destroyed) {
        reject(new SipTransportError("TCP connection closed", destination));
        return;
      }
      connection.socket.write(message, (error) => {
        if (error) reject(toSipTransportError(error, "TCP write failed", destination));
        else {
          this.stats.sent++;
          resolve();
        }
      });
    });
  }

  private open(destination: SipAddress): Promise<TcpConnection> {
    const key = remoteKey(destination.host, destination.port);
    const pending = this.connecting.get(key);
    if (pending !== undefined) return pending;
    const opening = new Promise<TcpConnection>((resolve, reject) => {
      const socket = connect({ host: destination.host, port: destination.port });
      socket.setTimeout(this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, () =>
        socket.destroy(new SipTransportError("TCP connect timed out", destination)),
      );
      const onError = (error: Error) => reject(toSipTransportError(error, "TCP connect failed", destination));
      socket.once("error", onError);
      socket.once("connect", () => {
        socket.off("error", onError);
        if (this.closed) {
          socket.destroy();
          reject(new SipTransportError("TCP transport closed while connecting", destination));
          return;
        }
        resolve(this.adopt(socket, key));
      });
    });
    this.connecting.set(key, opening);
    const forget = () => this.connecting.delete(key);
    opening.then(forget, forget);
    return opening;
  }

  private adopt(socket: Socket, key: string | undefined): TcpConnection {
    const delegate = this.delegate;
    const id = `tcp-${this.nextConnection++}`;
    const host = normalizeIp(socket.remoteAddress ?? "0.0.0.0");
    const port = socket.remotePort ?? 0;
    const connection: TcpConnection = {
      id,
      key: key ?? remoteKey(host, port),
      socket,
      remote: { transport: "TCP", host, port, connectionId: id },
      buffer: Buffer.alloc(0),
      closing: false,
      incomplete: undefined,
    };
    if (this.closed || delegate === undefined) {
      socket.destroy();
      return connection;
    }
    this.connections.set(id, connection);
    this.byRemote.set(connection.key, connection);
    socket.setTimeout(this.options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, () => socket.end());
    socket.on("data", (chunk: Buffer) => this.onData(connection, chunk, delegate));
    socket.on("error", (error) =>
      delegate.onTransportError(toSipTransportError(error, "TCP connection error", connection.remote)),
    );
    socket.on("close", () => this.forget(connection));
    return connection;
  }

  private forget(connection: TcpConnection): void {
    connection.closing = true;
    clearTimeout(connection.incomplete);
    connection.incomplete = undefined;
    this.connections.delete(connection.id);
    if (this.byRemote.get(connection.key) === connection) this.byRemote.delete(connection.key);
  }

  private onData(connection: TcpConnection, chunk: Buffer, delegate: SipTransportDelegate): void {
    if (connection.closing) return;
    this.frame(connection, chunk, delegate);
    if (connection.closing) return;
    // A message is under way: it must be finished by the deadline, however slowly it trickles.
    if (connection.buffer.length === 0) {
      clearTimeout(connection.incomplete);
      connection.incomplete = undefined;
    } else if (connection.incomplete === undefined) {
      connection.incomplete = setTimeout(() => {
        if (connection.closing) return;
        this.stats.incompleteTimeouts++;
        this.forget(connection);
        connection.buffer = Buffer.alloc(0);
        connection.socket.destroy();
      }, this.options.incompleteMessageTimeoutMs ?? DEFAULT_INCOMPLETE_MESSAGE_TIMEOUT_MS);
      connection.incomplete.unref();
    }
  }

  private frame(connection: TcpConnection, chunk: Buffer, delegate: SipTransportDelegate): void {
    connection.buffer = connection.buffer.length === 0 ? chunk : Buffer.concat([connection.buffer, chunk]);
    // Every pass consumes bytes or returns, so this ends within buffer.length passes.
    while (connection.buffer.length > 0 && !connection.closing) {
      const buffer = connection.buffer;
      // RFC 5626 §4.4.1: a "double-CRLF ping" is answered with a single-CRLF "pong".
      if (buffer.length >= 4 && buffer.readUInt16BE(0) === CRLF && buffer.readUInt16BE(2) === CRLF) {
        this.stats.keepAlives++;
        connection.socket.write("\r\n");
        connection.buffer = buffer.subarray(4);
        continue;
      }
      if (buffer.length >= 2 && buffer.readUInt16BE(0) === CRLF) {
        // Half of a ping, or RFC 3261 §7.5: "Implementations processing SIP messages over
        // stream-oriented transports MUST ignore any CRLF appearing before the start-line".
        if (buffer.length === 2) return;
        connection.buffer = buffer.subarray(2);
        continue;
      }
      if (buffer.length === 1 && buffer[0] === 0x0d) return;
      let framed: { message: Buffer; rest: Buffer } | null;
      try {
        framed = frameSipStream(buffer);
      } catch (error) {
        if (!(error instanceof ProtocolParseError)) throw error;
        this.framingError(connection, error, buffer, delegate);
        return;
      }
      if (framed === null) {
        if (buffer.length > this.maxMessageSize) {
          const error = new ProtocolParseError("sip", `message exceeds ${this.maxMessageSize} bytes`);
          this.framingError(connection, error, buffer, delegate);
        }
        return;
      }
      if (framed.rest.length >= buffer.length) {
        this.framingError(
          connection,
          new ProtocolParseError("sip", "stream framing made no progress"),
          buffer,
          delegate,
        );
        return;
      }
      connection.buffer = framed.rest;
      // A message ended: whatever follows gets its own deadline.
      clearTimeout(connection.incomplete);
      connection.incomplete = undefined;
      if (framed.message.length > this.maxMessageSize) {
        this.stats.droppedOversize++;
        continue;
      }
      receiveSipMessage(framed.message, connection.remote, delegate, this.stats);
    }
  }

  /**
   * The stream cannot be cut into messages any more: report the bytes (so a 400 can still go
   * out on this connection, written before the close) and close this connection only.
   */
  private framingError(
    connection: TcpConnection,
    error: ProtocolParseError,
    raw: Buffer,
    delegate: SipTransportDelegate,
  ): void {
    this.stats.parseErrors++;
    try {
      delegate.onParseError(error, connection.remote, raw);
    } finally {
      this.forget(connection);
      connection.buffer = Buffer.alloc(0);
      connection.socket.end();
    }
  }
}
