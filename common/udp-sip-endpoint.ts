import dgram from "node:dgram";
import { type SipRequest, createResponse, parseSipMessage, serializeSipMessage } from "../protocol/sip";
import { ProtocolParseError } from "../protocol/protocol-parse-error";

export type SipRequestHandler = (req: SipRequest) => {
  status: number;
  reason?: string;
  headers?: Record<string, string>;
};

/**
 * The smallest honest SIP presence a process can have on UDP: it answers every request
 * through `handle` and drops what does not parse (RFC 3261 §18.3 lets a UAS discard a
 * malformed datagram; there is no transaction to answer on). The full transaction layer
 * replaces this when the process gains real dialogs.
 */
export async function startUdpSipEndpoint(opts: {
  host: string;
  port: number;
  userAgent: string;
  handle: SipRequestHandler;
}): Promise<{ close: () => Promise<void>; port: number }> {
  const socket = dgram.createSocket({ type: opts.host.includes(":") ? "udp6" : "udp4" });
  socket.on("message", (data, rinfo) => {
    let message;
    try {
      message = parseSipMessage(data);
    } catch (error) {
      if (error instanceof ProtocolParseError) return;
      throw error;
    }
    if (message.kind !== "request" || message.method === "ACK") return;
    const answer = opts.handle(message);
    const response = createResponse(message, answer.status, answer.reason);
    response.headers.set("User-Agent", opts.userAgent);
    for (const [name, value] of Object.entries(answer.headers ?? {})) response.headers.set(name, value);
    socket.send(serializeSipMessage(response), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(opts.port, opts.host, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  return {
    port: socket.address().port,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
