import { connect, createServer, isIP, type Server, type Socket } from "node:net";
import tls from "node:tls";
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
  /** SIP over TLS (RFC 3261 §26.2.1, "TLS … MUST be supported"): see {@link TlsTransport}. */
  readonly tls?: SipTlsOptions;
}

/** The certificates of a TLS transport. */
export interface SipTlsOptions {
  /** PEM certificate (chain) and private key this end presents; needed to accept connections. */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** PEM CA certificates that sign the peers' certificates; the system's when absent. */
  readonly ca?: string | Buffer;
  /**
   * Whether a server's certificate must verify (chain and name) when this end connects
   * (default true). RFC 5630 §3.1.3 / RFC 3261 §26.2.1: the client checks the server's identity.
   */
  readonly verifyServer?: boolean;
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
  readonly protocol: "TCP" | "TLS";
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
    this.protocol = options.tls === undefined ? "TCP" : "TLS";
  }

  get localAddress(): { host: string; port: number } {
    if (this.bound === undefined) throw new SipTransportError(`${this.protocol} transport not started`);
    return { host: this.options.advertisedHost ?? this.bound.host, port: this.bound.port };
  }

  /** Open connections (accepted and opened). */
  get connectionCount(): number {
    return this.connections.size;
  }

  async start(delegate: SipTransportDelegate): Promise<void> {
    if (this.server !== undefined) throw new SipTransportError(`${this.protocol} transport already started`);
    this.delegate = delegate;
    const secure = this.options.tls;
    const server =
      secure === undefined
        ? createServer((socket) => this.adopt(socket, undefined))
        : tls.createServer({ cert: secure.cert, key: secure.key }, (socket) => this.adopt(socket, undefined));
    if (secure !== undefined) {
      // A client that fails the handshake (wrong protocol, a certificate it refuses) never
      // becomes a connection: one line, naming the peer and why.
      server.on("tlsClientError", (error, socket) =>
        delegate.onTransportError(
          toSipTransportError(error, "TLS handshake failed", {
            transport: "TLS",
            host: normalizeIp(socket.remoteAddress ?? "0.0.0.0"),
            port: socket.remotePort ?? 0,
          }),
        ),
      );
    }
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(toSipTransportError(error, `${this.protocol} listen failed`));
      server.once("error", onError);
      server.listen(this.options.port, this.options.host, () => {
        server.off("error", onError);
        resolve();
      });
    });
    server.on("error", (error) =>
      delegate.onTransportError(toSipTransportError(error, `${this.protocol} server error`)),
    );
    const address = server.address();
    if (address === null || typeof address === "string")
      throw new SipTransportError(`${this.protocol} server has no address`);
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
      return Promise.reject(new SipTransportError(`${this.protocol} transport is not open`, destination));
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
        reject(new SipTransportError(`${this.protocol} connection closed`, destination));
        return;
      }
      connection.socket.write(message, (error) => {
        if (error) reject(toSipTransportError(error, `${this.protocol} write failed`, destination));
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
      const secure = this.options.tls;
      const socket =
        secure === undefined
          ? connect({ host: destination.host, port: destination.port })
          : tls.connect({
              host: destination.host,
              port: destination.port,
              ...(secure.ca === undefined ? {} : { ca: secure.ca }),
              ...(secure.cert === undefined ? {} : { cert: secure.cert, key: secure.key }),
              // The name checked against the certificate: a host name, or the address itself.
              ...(isIP(destination.host) === 0 ? { servername: destination.host } : {}),
              rejectUnauthorized: secure.verifyServer !== false,
            });
      socket.setTimeout(this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, () =>
        socket.destroy(new SipTransportError(`${this.protocol} connect timed out`, destination)),
      );
      // A certificate that does not verify fails here, with OpenSSL's reason and code
      // ("self-signed certificate" DEPTH_ZERO_SELF_SIGNED_CERT, ERR_TLS_CERT_ALTNAME_INVALID…).
      const onError = (error: Error) =>
        reject(toSipTransportError(error, `${this.protocol} connect failed`, destination));
      socket.once("error", onError);
      socket.once(secure === undefined ? "connect" : "secureConnect", () => {
        socket.off("error", onError);
        if (this.closed) {
          socket.destroy();
          reject(new SipTransportError(`${this.protocol} transport closed while connecting`, destination));
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
      remote: { transport: this.protocol, host, port, connectionId: id },
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
      delegate.onTransportError(
        toSipTransportError(error, `${this.protocol} connection error`, connection.remote),
      ),
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

/**
 * SIP over TLS (RFC 3261 §26.2.1; `sips:` and `transport=tls`, RFC 5630): the TCP transport's
 * framing and connection reuse over `node:tls`. Accepting needs `cert` and `key`; connecting
 * verifies the server's certificate against `ca` (or the system's CAs) unless told not to.
 */
export class TlsTransport extends TcpTransport {
  constructor(options: Omit<TcpTransportOptions, "tls"> & { readonly tls: SipTlsOptions }) {
    super(options);
  }
}
