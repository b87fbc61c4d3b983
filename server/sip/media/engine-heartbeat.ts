import dgram from "node:dgram";
import net from "node:net";
import { parseHeartbeat, serializeHeartbeat, type HeartbeatPong } from "../../../protocol/msml";

/**
 * The server's end of one media engine's heartbeat (protocol/msml/engine-heartbeat.ts): a UDP
 * socket connected to the engine's heartbeat port, sending numbered pings, keeping the last pong.
 * Pongs from any other address, or that do not parse, are ignored (a connected socket receives
 * only from its peer anyway).
 */
export class EngineHeartbeat {
  private readonly socket: dgram.Socket;
  private seq = 0;
  /** When the last pong arrived (performance.now() ms); undefined before the first. */
  lastPongAt: number | undefined;
  lastPong: HeartbeatPong | undefined;

  constructor(
    readonly host: string,
    readonly port: number,
    onPong: (pong: HeartbeatPong) => void,
  ) {
    this.socket = dgram.createSocket(net.isIPv6(host) ? "udp6" : "udp4");
    this.socket.on("message", (datagram) => {
      let message;
      try {
        message = parseHeartbeat(datagram);
      } catch {
        return;
      }
      if (message.kind !== "pong") return;
      this.lastPongAt = performance.now();
      this.lastPong = message;
      onPong(message);
    });
    // ICMP port unreachable and the like: the pongs stop, which is what the pool watches.
    this.socket.on("error", () => undefined);
    this.socket.connect(port, host);
    this.socket.unref();
  }

  /** Sends the next ping (dropped silently until the socket is connected). */
  ping(): void {
    this.seq = (this.seq + 1) % 2 ** 32;
    try {
      this.socket.send(serializeHeartbeat({ kind: "ping", seq: this.seq }));
    } catch {
      // not connected yet, or closed: the next ping goes out
    }
  }

  /** Milliseconds since the last pong; Infinity before the first. */
  silentMs(now = performance.now()): number {
    return this.lastPongAt === undefined ? Infinity : now - this.lastPongAt;
  }

  close(): void {
    this.socket.close();
  }
}
