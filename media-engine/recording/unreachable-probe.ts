import dgram from "node:dgram";
import type { SipAddress } from "../../sip-core";

/** How often the probe pokes the recorder while its INVITE is out. */
const PROBE_INTERVAL_MS = 200;

/** A bare CRLF pair: the keep-alive every SIP stack ignores (RFC 5626 §3.5.1, sip-core's isKeepAlive). */
const KEEP_ALIVE = Buffer.from("\r\n\r\n");

export interface UnreachableProbe {
  /** Resolves with a reason when the recorder's host answers ICMP port unreachable; never rejects. */
  readonly unreachable: Promise<string>;
  close(): void;
}

/**
 * Tells at once when nothing listens on a recorder's SIP UDP port. The SIP transport's socket is
 * shared by every dialog, so it is not connected and the kernel drops the ICMP port unreachable
 * an INVITE provokes; Node surfaces ICMP errors only on *connected* UDP sockets (ECONNREFUSED on
 * a later receive). So, while the INVITE is out, a connected socket sends the recorder CRLF
 * keep-alives, which a live SIP stack ignores (RFC 3261 §7.5: "Implementations processing SIP
 * messages over stream-oriented transports MUST ignore any CRLF appearing before the
 * start-line"; RFC 5626 §3.5.1 uses CRLF as a keep-alive), and listens for the refusal.
 * Not for TCP, where a refused connection already fails the INVITE itself.
 */
export function probeUnreachable(destination: SipAddress): UnreachableProbe {
  if (destination.transport !== "UDP")
    return { unreachable: new Promise(() => undefined), close: () => undefined };
  const socket = dgram.createSocket(destination.host.includes(":") ? "udp6" : "udp4");
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const unreachable = new Promise<string>((resolve) => {
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNREFUSED")
        resolve(`ICMP port unreachable from ${destination.host}:${destination.port}`);
    });
  });
  const poke = (): void => {
    if (!closed) socket.send(KEEP_ALIVE);
  };
  try {
    socket.connect(destination.port, destination.host, () => {
      poke();
      timer = setInterval(poke, PROBE_INTERVAL_MS);
      timer.unref();
    });
  } catch {
    // An address the socket cannot reach: the INVITE's own failure says why.
  }
  return {
    unreachable,
    close: () => {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      try {
        socket.close();
      } catch {
        // already closed
      }
    },
  };
}
