import type { Socket as UdpSocket } from "node:dgram";
import type { Socket } from "node:net";
import type { UserAgentCoreDelegate } from "../user-agent-core";
import { within } from "../../common/test-support/waiting";

/** The next datagram `socket` receives, within `ms`. */
export function nextDatagram(socket: UdpSocket, ms = 3_000): Promise<Buffer> {
  return within(
    new Promise<Buffer>((resolve) => socket.once("message", (message: Buffer) => resolve(message))),
    ms,
    "a datagram",
  );
}

/** Accumulates what a TCP client socket receives; waits for N SIP start lines. */
export class StreamReader {
  private text = "";
  private waiters: (() => void)[] = [];

  constructor(socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.text += chunk.toString("latin1");
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  get received(): string {
    return this.text;
  }

  startLines(): string[] {
    return this.text.match(/^SIP\/2\.0 \d{3}[^\r\n]*/gm) ?? [];
  }

  async waitForResponses(count: number, ms = 3_000): Promise<string[]> {
    const deadline = Date.now() + ms;
    // Bounded: one pass per received chunk, until the deadline.
    while (this.startLines().length < count) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out waiting for ${count} responses, got: ${JSON.stringify(this.text)}`);
      await within(
        new Promise<void>((resolve) => this.waiters.push(resolve)),
        left,
        `${count} responses`,
      ).catch(() => undefined);
    }
    return this.startLines();
  }
}

/** A delegate that answers REGISTER 200 and collects errors. */
export function testDelegate(
  errors: unknown[],
  extra: Partial<UserAgentCoreDelegate> = {},
): UserAgentCoreDelegate {
  return {
    handlers: {
      REGISTER: (request) => {
        request.reply(200, {
          headers: { Contact: request.message.headers.get("Contact") ?? "*", Expires: "60" },
        });
      },
    },
    onError: (error) => errors.push(error),
    ...extra,
  };
}
