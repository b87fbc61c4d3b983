import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { isIP } from "node:net";
import { isKeepAlive, receiveSipMessage } from "./receive-sip-message";
import type { SipAddress } from "./sip-address";
import {
  emptyTransportStats,
  type SipTransport,
  type SipTransportDelegate,
  type TransportStats,
} from "./sip-transport";
import { SipTransportError, toSipTransportError } from "./sip-transport-error";

export interface UdpTransportOptions {
  readonly host: string;
  /** 0 lets the OS choose (tests). */
  readonly port: number;
  /**
   * Datagrams larger than this are dropped and counted. RFC 3261 §18.1.1: "implementations
   * MUST be able to handle messages up to the maximum datagram packet size. For UDP, this size
   * is 65,535 bytes, including IP and UDP headers." The default is that payload.
   */
  readonly maxMessageSize?: number;
  /** The sent-by host to announce in Via when it differs from the bind address (0.0.0.0, NAT). */
  readonly advertisedHost?: string;
}

const MAX_UDP_PAYLOAD = 65_507;

/**
 * SIP over UDP (RFC 3261 §18): one datagram is one message (§18.3: "In the case of
 * message-oriented transports (such as UDP), if the message has a Content-Length header field,
 * the message body is assumed to contain that many bytes.").
 */
export class UdpTransport implements SipTransport {
  readonly protocol = "UDP" as const;
  readonly reliable = false;
  readonly stats: TransportStats = emptyTransportStats();
  private socket: Socket | undefined;
  private delegate: SipTransportDelegate | undefined;
  private bound: { host: string; port: number } | undefined;
  private closed = false;
  private readonly maxMessageSize: number;

  constructor(private readonly options: UdpTransportOptions) {
    this.maxMessageSize = options.maxMessageSize ?? MAX_UDP_PAYLOAD;
  }

  get localAddress(): { host: string; port: number } {
    if (this.bound === undefined) throw new SipTransportError("UDP transport not started");
    return { host: this.options.advertisedHost ?? this.bound.host, port: this.bound.port };
  }

  async start(delegate: SipTransportDelegate): Promise<void> {
    if (this.socket !== undefined) throw new SipTransportError("UDP transport already started");
    this.delegate = delegate;
    const socket = createSocket({ type: isIP(this.options.host) === 6 ? "udp6" : "udp4" });
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(toSipTransportError(error, "UDP bind failed"));
      socket.once("error", onError);
      socket.bind(this.options.port, this.options.host, () => {
        socket.off("error", onError);
        resolve();
      });
    });
    const address = socket.address();
    this.bound = { host: address.address, port: address.port };
    socket.on("message", (datagram, remote) => this.onDatagram(datagram, remote));
    socket.on("error", (error) => delegate.onTransportError(toSipTransportError(error, "UDP socket error")));
  }

  send(message: Buffer, destination: SipAddress): Promise<void> {
    const socket = this.socket;
    if (socket === undefined || this.closed) {
      return Promise.reject(new SipTransportError("UDP transport is not open", destination));
    }
    return new Promise((resolve, reject) => {
      socket.send(message, destination.port, destination.host, (error) => {
        if (error) reject(toSipTransportError(error, "UDP send failed", destination));
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
    const socket = this.socket;
    if (socket === undefined) return;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  private onDatagram(datagram: Buffer, remote: RemoteInfo): void {
    const delegate = this.delegate;
    if (delegate === undefined || this.closed) return;
    if (datagram.length > this.maxMessageSize) {
      this.stats.droppedOversize++;
      return;
    }
    if (isKeepAlive(datagram)) {
      this.stats.keepAlives++;
      return;
    }
    receiveSipMessage(
      datagram,
      { transport: "UDP", host: remote.address, port: remote.port },
      delegate,
      this.stats,
    );
  }
}
