import { parseSipMessage } from "../../protocol/sip";
import { receiveSipMessage } from "../receive-sip-message";
import { isReliableTransport, type SipAddress, type TransportProtocol } from "../sip-address";
import {
  emptyTransportStats,
  type SipMessage,
  type SipTransport,
  type SipTransportDelegate,
  type TransportStats,
} from "../sip-transport";
import { SipTransportError } from "../sip-transport-error";

/** A SipTransport without sockets: tests inject what it "receives" and read what it "sent". */
export class MemoryTransport implements SipTransport {
  readonly stats: TransportStats = emptyTransportStats();
  readonly sent: { bytes: Buffer; destination: SipAddress }[] = [];
  failWith: Error | undefined;
  private delegate: SipTransportDelegate | undefined;

  constructor(
    readonly protocol: TransportProtocol = "UDP",
    readonly localAddress: { host: string; port: number } = { host: "192.0.2.20", port: 5060 },
  ) {}

  get reliable(): boolean {
    return isReliableTransport(this.protocol);
  }

  async start(delegate: SipTransportDelegate): Promise<void> {
    this.delegate = delegate;
  }

  send(bytes: Buffer, destination: SipAddress): Promise<void> {
    if (this.failWith !== undefined)
      return Promise.reject(new SipTransportError(this.failWith.message, destination));
    this.sent.push({ bytes, destination });
    this.stats.sent++;
    return Promise.resolve();
  }

  async close(): Promise<void> {
    this.delegate = undefined;
  }

  /** Delivers `raw` as if it arrived from `source` (default: a UDP peer at 192.0.2.10:5060). */
  receive(raw: string | Buffer, source: Partial<SipAddress> = {}): void {
    const delegate = this.delegate;
    if (delegate === undefined) throw new Error("MemoryTransport not started");
    const address: SipAddress = { transport: this.protocol, host: "192.0.2.10", port: 5060, ...source };
    receiveSipMessage(
      typeof raw === "string" ? Buffer.from(raw, "latin1") : raw,
      address,
      delegate,
      this.stats,
    );
  }

  sentMessages(): SipMessage[] {
    return this.sent.map(({ bytes }) => parseSipMessage(bytes));
  }

  startLines(): string[] {
    return this.sent.map(({ bytes }) => bytes.toString("latin1").split("\r\n")[0] ?? "");
  }

  clear(): void {
    this.sent.length = 0;
  }
}
