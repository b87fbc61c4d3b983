import dgram from "node:dgram";
import { encodePcma, encodePcmu, parseRtpHeader, serializeRtpPacket } from "../../../protocol/rtp";
import { elapse } from "../../../common/test-support/waiting";

/** A plain UDP socket on 127.0.0.1 standing in for a phone, recording what it receives. */
export class UdpPhone {
  readonly received: Buffer[] = [];
  /** When each packet of `received` arrived (Date.now()). */
  readonly receivedAt: number[] = [];
  readonly senders: { address: string; port: number }[] = [];
  private constructor(private readonly socket: dgram.Socket) {
    socket.on("message", (packet, from) => {
      this.received.push(packet);
      this.receivedAt.push(Date.now());
      this.senders.push({ address: from.address, port: from.port });
    });
  }

  /** On `host` (another address than loopback when the engine runs on another "host", a netns). */
  static async open(port = 0, host = "127.0.0.1"): Promise<UdpPhone> {
    const socket = dgram.createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(port, host, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    return new UdpPhone(socket);
  }

  get host(): string {
    return this.socket.address().address;
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** To `port` on `host` (the media engine: loopback unless it runs elsewhere). */
  send(packet: Buffer, port: number, host = "127.0.0.1"): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.send(packet, port, host, (error) => (error ? reject(error) : resolve())),
    );
  }

  close(): void {
    this.socket.close();
  }
}

/** A G.711 µ-law packet whose payload names the stream and the packet, so each one can be told apart. */
export function g711Packet(ssrc: number, seq: number, marker = seq === 0): Buffer {
  const payload = Buffer.alloc(160, 0xff);
  payload.writeUInt32BE(ssrc, 0);
  payload.writeUInt16BE(seq, 4);
  return serializeRtpPacket({
    marker,
    payloadType: 0,
    sequenceNumber: seq,
    timestamp: seq * 160,
    ssrc,
    csrcs: [],
    extension: false,
    payload,
  });
}

/** A sine of `hz` as 160 samples of 8 kHz audio starting at sample `start`. */
function sine(hz: number, start: number): Int16Array {
  const out = new Int16Array(160);
  for (let i = 0; i < 160; i++) out[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * (start + i)) / 8000));
  return out;
}

/**
 * The phone says `hz` continuously, one 20 ms G.711 packet every 20 ms as a real phone does,
 * to `port` on 127.0.0.1 (or `opts.host`). Returns the function that hangs up the microphone.
 */
export function talk(
  phone: UdpPhone,
  port: number,
  opts: { hz: number; codec: "PCMU" | "PCMA"; ssrc: number; host?: string },
): () => void {
  let seq = 0;
  const startedAt = performance.now();
  // A phone's clock does not drift: every packet due by now is sent, so a late timer (a busy
  // machine delays setInterval) catches up instead of stretching the call's timeline.
  const timer = setInterval(() => {
    while (seq * 20 <= performance.now() - startedAt) {
      const samples = sine(opts.hz, seq * 160);
      const packet = serializeRtpPacket({
        marker: seq === 0,
        payloadType: opts.codec === "PCMU" ? 0 : 8,
        sequenceNumber: seq & 0xffff,
        timestamp: seq * 160,
        ssrc: opts.ssrc,
        csrcs: [],
        extension: false,
        payload: opts.codec === "PCMU" ? encodePcmu(samples) : encodePcma(samples),
      });
      seq++;
      void phone.send(packet, port, opts.host);
    }
  }, 20);
  return () => clearInterval(timer);
}

/**
 * Sends `count` G.711 packets (SSRC `ssrc`, sequence from `firstSeq`) as fast as the socket takes
 * them, resting `restMs` after every ten so a loaded CI machine's socket buffers never overflow.
 * Returns what was sent, to compare with what arrived.
 */
export async function sendBurst(
  phone: UdpPhone,
  port: number,
  opts: { count: number; ssrc: number; firstSeq?: number; restMs: number },
): Promise<Buffer[]> {
  const sent: Buffer[] = [];
  for (let i = 0; i < opts.count; i++) {
    const packet = g711Packet(opts.ssrc, (opts.firstSeq ?? 0) + i);
    sent.push(packet);
    await phone.send(packet, port);
    if (i % 10 === 9) await elapse(opts.restMs, "socket buffers drain between bursts of ten");
  }
  return sent;
}

/**
 * Sequence numbers missing between the first and the last RTP packet a phone received (0: none
 * lost). Sequence numbers do not wrap within a test's call.
 */
export function missingPackets(received: readonly Buffer[]): number {
  const seqs = [...new Set(received.map((p) => parseRtpHeader(p).sequenceNumber))].sort((a, b) => a - b);
  return seqs.length === 0 ? 0 : seqs.at(-1)! - seqs[0]! + 1 - seqs.length;
}
