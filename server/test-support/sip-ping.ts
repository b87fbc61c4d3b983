import { randomBytes } from "node:crypto";
import dgram from "node:dgram";

/**
 * Sends a new OPTIONS over UDP to `host:port` every `everyMs` until one is answered (any final
 * response) and resolves with the time it was answered (Date.now()). Each try is a new request,
 * so an address that starts answering is seen within `everyMs`, not after SIP's retransmission
 * back-off. From `bindHost` (e.g. a test host's address).
 */
export async function firstSipAnswer(
  host: string,
  port: number,
  opts: { everyMs?: number; timeoutMs?: number; bindHost?: string } = {},
): Promise<number> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, opts.bindHost ?? "127.0.0.1", resolve));
  const local = socket.address();
  try {
    return await new Promise<number>((resolve, reject) => {
      socket.on("message", (message) => {
        if (/^SIP\/2\.0 [2-6]\d\d /.test(message.toString("latin1"))) resolve(Date.now());
      });
      let cseq = 0;
      const send = () => {
        cseq += 1;
        const branch = `z9hG4bK${randomBytes(6).toString("hex")}`;
        const text =
          `OPTIONS sip:${host}:${port} SIP/2.0\r\n` +
          `Via: SIP/2.0/UDP ${local.address}:${local.port};branch=${branch};rport\r\n` +
          `Max-Forwards: 70\r\nFrom: <sip:ping@${local.address}>;tag=ping\r\nTo: <sip:${host}:${port}>\r\n` +
          `Call-ID: ping-${branch}\r\nCSeq: ${cseq} OPTIONS\r\nContent-Length: 0\r\n\r\n`;
        socket.send(text, port, host);
      };
      send();
      const timer = setInterval(send, opts.everyMs ?? 50);
      const deadline = setTimeout(
        () => reject(new Error(`no SIP answer from ${host}:${port} in ${opts.timeoutMs ?? 20_000} ms`)),
        opts.timeoutMs ?? 20_000,
      );
      socket.once("close", () => {
        clearInterval(timer);
        clearTimeout(deadline);
      });
    });
  } finally {
    socket.close();
  }
}
