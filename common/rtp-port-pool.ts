import dgram from "node:dgram";
import dns from "node:dns";
import net from "node:net";

export class PortPoolExhaustedError extends Error {
  constructor(min: number, max: number) {
    super(`no free even RTP port left in ${min}-${max}`);
    this.name = "PortPoolExhaustedError";
  }
}

export type AllocatedPorts = { port: number; rtp: dgram.Socket; rtcp?: dgram.Socket };

/** The two sockets of one stream, RTP on an even port and RTCP on the next; `close` gives the port back. */
export interface RtpSocketPair {
  readonly port: number;
  readonly rtp: dgram.Socket;
  readonly rtcp: dgram.Socket;
  /** Closes both sockets and returns the port to the pool; idempotent. */
  close(): void;
}

/** Tries for a pair when the OS chooses the ports (tests): its even port's neighbour may be taken. */
const OS_CHOSEN_ATTEMPTS = 50;

/**
 * Hands out RTP ports from a configured range, for the media engine's legs and recordings and the
 * lab recorder's streams alike. RFC 3550 §11: "RTP SHOULD use an even destination port number and
 * the corresponding RTCP stream SHOULD use the next higher (odd) destination port number", so a
 * stream with its own RTCP gets an even port whose odd neighbour is also in the range (and the SDP
 * then need not name the RTCP port: RFC 3605 a=rtcp is only for other ports). A stream that
 * multiplexes RTCP on its RTP port (RFC 5761) needs one port: it takes the free half of a pair
 * whose other half is in use before it splits a whole pair, so whole pairs stay for the streams
 * that need them. Counts are in ports. A range of `0`–`0` lets the OS choose (tests).
 */
export class PortPool {
  /** Ports of the range that can be handed out (both halves of every even/odd pair). */
  readonly capacity: number;
  /** Pairs in the range (even ports whose odd neighbour is in it too). */
  private readonly pairs: number;
  /** The first even port of the range; 0 when the OS chooses. */
  private readonly first: number;
  /** Ports handed out or being bound right now: reserved before the bind so concurrent allocations never race for one. */
  private readonly taken = new Set<number>();
  /** Free ports whose pair neighbour is taken: where a single (muxed) port goes first. */
  private readonly halves = new Set<number>();
  /**
   * Allocation goes round-robin rather than lowest-first so that a port just released is the last
   * to be reused: late packets of an ended call then land nowhere instead of in the next call.
   */
  private cursor = 0;

  constructor(
    private readonly min: number,
    private readonly max: number,
  ) {
    if (min === 0 && max === 0) {
      this.first = 0;
      this.pairs = Infinity;
      this.capacity = Infinity;
      return;
    }
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max > 65535 || min > max) {
      throw new RangeError(`invalid RTP port range ${min}-${max}`);
    }
    this.first = min % 2 === 0 ? min : min + 1;
    this.pairs = this.first + 1 <= max ? Math.floor((max - 1 - this.first) / 2) + 1 : 0;
    this.capacity = 2 * this.pairs;
  }

  /** Ports in use (a stream with its own RTCP holds two, a muxed one one). */
  get inUse(): number {
    return this.taken.size;
  }

  /** An RTP port and, unless RTCP is multiplexed on it (RFC 5761), the RTCP port above it. */
  async allocate(bindHost: string, rtcpMux: boolean): Promise<AllocatedPorts> {
    if (this.first === 0) return this.allocateOsChosen(bindHost, rtcpMux);
    if (rtcpMux) {
      for (const port of [...this.halves]) {
        this.halves.delete(port);
        this.taken.add(port);
        try {
          return { port, rtp: await bindSocket(bindHost, port) };
        } catch (error) {
          this.taken.delete(port);
          if (!isPortRefused(error)) throw error;
        }
      }
    }
    // Each pair is tried at most once per call, so a range full of ports the OS refuses ends in
    // PortPoolExhaustedError rather than a loop.
    for (let tried = 0; tried < this.pairs; tried++) {
      const port = this.first + 2 * this.cursor;
      this.cursor = (this.cursor + 1) % this.pairs;
      if (this.taken.has(port) || this.taken.has(port + 1)) continue;
      this.taken.add(port);
      if (!rtcpMux) this.taken.add(port + 1);
      try {
        const rtp = await bindSocket(bindHost, port);
        if (rtcpMux) {
          this.halves.add(port + 1);
          return { port, rtp };
        }
        try {
          const rtcp = await bindSocket(bindHost, port + 1);
          return { port, rtp, rtcp };
        } catch (error) {
          rtp.close();
          throw error;
        }
      } catch (error) {
        this.free(port);
        if (!rtcpMux) this.free(port + 1);
        if (!isPortRefused(error)) throw error;
      }
    }
    throw new PortPoolExhaustedError(this.min, this.max);
  }

  /** Both sockets of a stream that has its own RTCP port, with a `close` that gives the ports back. */
  async allocatePair(bindHost: string): Promise<RtpSocketPair> {
    const { port, rtp, rtcp } = await this.allocate(bindHost, false);
    let closed = false;
    return {
      port,
      rtp,
      rtcp: rtcp!,
      close: () => {
        if (closed) return;
        closed = true;
        closeQuietly(rtp);
        closeQuietly(rtcp!);
        this.release(port, true);
      },
    };
  }

  /** Gives back an RTP port, and its RTCP port (port + 1) when the stream had one. */
  release(port: number, withRtcp: boolean): void {
    this.free(port);
    if (withRtcp) this.free(port + 1);
  }

  /**
   * Takes a port of the range that is free now (the RTCP port a muxed stream gave back, wanted
   * again because a later answer does not multiplex), bound; undefined when it is not free.
   */
  async reserve(bindHost: string, port: number): Promise<dgram.Socket | undefined> {
    if (this.taken.has(port) || (this.first !== 0 && (port < this.first || port > this.max)))
      return undefined;
    this.taken.add(port);
    this.halves.delete(port);
    try {
      return await bindSocket(bindHost, port);
    } catch (error) {
      this.free(port);
      if (!isPortRefused(error)) throw error;
      return undefined;
    }
  }

  /** A port is free again: if its pair neighbour is still taken it becomes a half for muxed streams. */
  private free(port: number): void {
    if (!this.taken.delete(port)) return;
    if (this.first === 0) return;
    const neighbour = port % 2 === 0 ? port + 1 : port - 1;
    if (this.taken.has(neighbour)) this.halves.add(port);
    else this.halves.delete(neighbour);
  }

  private async allocateOsChosen(bindHost: string, rtcpMux: boolean): Promise<AllocatedPorts> {
    for (let tried = 0; tried < OS_CHOSEN_ATTEMPTS; tried++) {
      const rtp = await bindSocket(bindHost, 0);
      const port = rtp.address().port;
      if (rtcpMux) return this.taking([port], { port, rtp });
      if (port % 2 === 0 && port < 65535) {
        try {
          return this.taking([port, port + 1], { port, rtp, rtcp: await bindSocket(bindHost, port + 1) });
        } catch (error) {
          if (!isPortRefused(error)) {
            rtp.close();
            throw error;
          }
        }
      }
      rtp.close();
    }
    throw new PortPoolExhaustedError(0, 0);
  }

  private taking(ports: number[], allocated: AllocatedPorts): AllocatedPorts {
    for (const port of ports) this.taken.add(port);
    return allocated;
  }
}

function closeQuietly(socket: dgram.Socket): void {
  try {
    socket.close();
  } catch {
    // Already closed.
  }
}

function isPortRefused(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "EADDRINUSE" || code === "EACCES";
}

function bindSocket(host: string, port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: net.isIPv6(host) ? "udp6" : "udp4", lookup: literalLookup });
    const onError = (error: Error) => {
      socket.close();
      reject(error);
    };
    socket.once("error", onError);
    // exclusive: under cluster a shared handle would let two workers own one media port.
    socket.bind({ port, address: host, exclusive: true }, () => {
      socket.off("error", onError);
      resolve(socket);
    });
  });
}

/**
 * An unconnected dgram socket resolves the destination of every send, and dns.lookup answers even
 * an IP literal on the next tick: a closure, a tick and a deferred send per relayed packet.
 * Remotes come from SDP and latching as IP addresses, so answering literals synchronously takes
 * that off the hot path; a hostname still goes to dns.lookup.
 */
function literalLookup(
  hostname: string,
  options: dns.LookupOneOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = net.isIP(hostname);
  if (family !== 0) callback(null, hostname, family);
  else dns.lookup(hostname, options, callback);
}
