import dgram from "node:dgram";
import net from "node:net";

export class RtpPortsExhaustedError extends Error {
  override readonly name = "RtpPortsExhaustedError";
  constructor(min: number, max: number) {
    super(`no free even RTP port left in ${min}-${max}`);
  }
}

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

/**
 * Binds recording sockets in a port range. RFC 3550 §11: "RTP SHOULD use an even destination
 * port number and the corresponding RTCP stream SHOULD use the next higher (odd) destination port
 * number", so only even ports are handed out and the odd neighbour stays free for the SRC's RTCP
 * (which the recorder does not need). `min` 0 lets the OS choose (tests).
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
    this.count = min === 0 ? 0 : Math.max(0, Math.floor((max - this.first) / 2) + 1);
  }

  async bind(): Promise<dgram.Socket> {
    if (this.min === 0) return bindSocket(this.host, 0);
    for (let tried = 0; tried < this.count; tried++) {
      const port = this.first + 2 * this.cursor;
      this.cursor = (this.cursor + 1) % this.count;
      try {
        return await bindSocket(this.host, port);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== "EADDRINUSE" && code !== "EACCES") throw error;
      }
    }
    throw new RtpPortsExhaustedError(this.min, this.max);
  }
}
