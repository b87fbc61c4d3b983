import dgram from "node:dgram";
import net from "node:net";

export class RtpPortsExhaustedError extends Error {
  override readonly name = "RtpPortsExhaustedError";
  constructor(min: number, max: number) {
    super(`no free even/odd RTP/RTCP port pair left in ${min}-${max}`);
  }
}

/** The two sockets of one recorded stream: RTP on an even port, RTCP on the next (odd) one. */
export interface RtpSocketPair {
  readonly rtp: dgram.Socket;
  readonly rtcp: dgram.Socket;
}

/** Tries for a pair when the OS chooses the ports (tests): its even port's neighbour may be taken. */
const OS_CHOSEN_ATTEMPTS = 50;

function bindSocket(host: string, port: number): Promise<dgram.Socket> {
  const socket = dgram.createSocket(net.isIP(host) === 6 ? "udp6" : "udp4");
  return new Promise((resolve, reject) => {
    socket.once("error", (error) => {
      socket.close();
      reject(error);
    });
    socket.bind(port, host, () => {
      socket.removeAllListeners("error");
      resolve(socket);
    });
  });
}

function isPortTaken(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "EADDRINUSE" || code === "EACCES";
}

/**
 * Binds recording socket pairs in a port range. RFC 3550 §11: "RTP SHOULD use an even destination
 * port number and the corresponding RTCP stream SHOULD use the next higher (odd) destination port
 * number", so each stream gets an even RTP port and its odd neighbour for RTCP, which the SDP
 * answer then need not name (RFC 3605 a=rtcp is only for other ports). `min` 0 lets the OS choose
 * (tests).
 *
 * Allocation goes round the range instead of lowest-first, so a port just released is the last
 * to be reused and stray packets of an ended recording do not land in the next one.
 */
export class RtpPortRange {
  private cursor = 0;
  private readonly first: number;
  private readonly count: number;

  constructor(
    private readonly host: string,
    private readonly min: number,
    private readonly max: number,
  ) {
    this.first = min % 2 === 0 ? min : min + 1;
    // Both ports of a pair stay inside the range.
    this.count = min === 0 ? 0 : Math.max(0, Math.floor((max - 1 - this.first) / 2) + 1);
  }

  async bindPair(): Promise<RtpSocketPair> {
    if (this.min === 0) return this.bindOsChosen();
    for (let tried = 0; tried < this.count; tried++) {
      const port = this.first + 2 * this.cursor;
      this.cursor = (this.cursor + 1) % this.count;
      const pair = await this.tryPair(port);
      if (pair !== undefined) return pair;
    }
    throw new RtpPortsExhaustedError(this.min, this.max);
  }

  private async tryPair(port: number): Promise<RtpSocketPair | undefined> {
    let rtp: dgram.Socket;
    try {
      rtp = await bindSocket(this.host, port);
    } catch (error) {
      if (isPortTaken(error)) return undefined;
      throw error;
    }
    try {
      return { rtp, rtcp: await bindSocket(this.host, port + 1) };
    } catch (error) {
      rtp.close();
      if (isPortTaken(error)) return undefined;
      throw error;
    }
  }

  private async bindOsChosen(): Promise<RtpSocketPair> {
    for (let tried = 0; tried < OS_CHOSEN_ATTEMPTS; tried++) {
      const rtp = await bindSocket(this.host, 0);
      const port = rtp.address().port;
      if (port % 2 === 0 && port < 65535) {
        try {
          return { rtp, rtcp: await bindSocket(this.host, port + 1) };
        } catch (error) {
          if (!isPortTaken(error)) {
            rtp.close();
            throw error;
          }
        }
      }
      rtp.close();
    }
    throw new RtpPortsExhaustedError(0, 0);
  }
}
