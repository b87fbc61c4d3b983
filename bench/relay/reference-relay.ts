import dgram from "node:dgram";

/**
 * The simplest relay Node can do, as the yardstick for the engine: per leg an RTP/RTCP socket pair
 * on OS-chosen ports, and every datagram on a leg's RTP socket is sent, unchecked and uncounted,
 * from the peer leg's socket to the peer's phone.
 */
export class ReferenceRelay {
  private readonly sockets: dgram.Socket[] = [];
  private readonly legs: { rtp: dgram.Socket; port: number; remotePort: number }[] = [];

  static async create(calls: number, host: string): Promise<ReferenceRelay> {
    const relay = new ReferenceRelay();
    for (let i = 0; i < calls * 2; i++) {
      const rtp = await relay.bind(host);
      await relay.bind(host);
      relay.legs.push({ rtp, port: rtp.address().port, remotePort: 0 });
    }
    return relay;
  }

  get ports(): [number, number][] {
    const pairs: [number, number][] = [];
    for (let i = 0; i < this.legs.length; i += 2) pairs.push([this.legs[i]!.port, this.legs[i + 1]!.port]);
    return pairs;
  }

  join(phones: [number, number][], host: string): void {
    phones.forEach(([phoneA, phoneB], call) => {
      const a = this.legs[call * 2]!;
      const b = this.legs[call * 2 + 1]!;
      a.remotePort = phoneA;
      b.remotePort = phoneB;
      a.rtp.on("message", (packet) => b.rtp.send(packet, b.remotePort, host));
      b.rtp.on("message", (packet) => a.rtp.send(packet, a.remotePort, host));
    });
  }

  close(): void {
    for (const socket of this.sockets) socket.close();
  }

  private bind(host: string): Promise<dgram.Socket> {
    const socket = dgram.createSocket("udp4");
    this.sockets.push(socket);
    return new Promise((resolve) => socket.bind(0, host, () => resolve(socket)));
  }
}
