import { createSocket, type Socket } from "node:dgram";
import { within } from "../common/test-support/waiting";
import { afterEach, describe, expect, it } from "vitest";
import { requestText } from "./test-support/sip-fixtures";
import { nextDatagram, testDelegate } from "./test-support/socket-helpers";
import { UdpTransport } from "./udp-transport";
import { UserAgentCore } from "./user-agent-core";

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function udpAgent(errors: unknown[], options: { maxMessageSize?: number } = {}) {
  const transport = new UdpTransport({ host: "127.0.0.1", port: 0, ...options });
  const ua = new UserAgentCore({ delegate: testDelegate(errors) });
  cleanups.push(() => ua.close());
  await ua.addTransport(transport);
  return { ua, transport, port: transport.localAddress.port };
}

async function rawClient(): Promise<Socket> {
  const socket = createSocket("udp4");
  cleanups.push(() => new Promise((resolve) => socket.close(() => resolve())));
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  return socket;
}

function sendTo(socket: Socket, port: number, text: string | Buffer): void {
  socket.send(typeof text === "string" ? Buffer.from(text, "latin1") : text, port, "127.0.0.1");
}

describe("UdpTransport on 127.0.0.1", () => {
  it("carries an OPTIONS round trip between two UserAgentCores", { timeout: 10_000 }, async () => {
    const errors: unknown[] = [];
    const a = await udpAgent(errors);
    const b = await udpAgent(errors);
    const options = a.ua.createRequest("OPTIONS", `sip:b@127.0.0.1:${b.port}`, {
      from: "<sip:a@127.0.0.1>",
      to: `<sip:b@127.0.0.1:${b.port}>`,
    });
    const response = await within(a.ua.send(options), 5_000, "the OPTIONS response");
    expect(response.status).toBe(200);
    expect(response.headers.get("Allow")).toContain("OPTIONS");
    expect(b.transport.stats.received).toBe(1);
    expect(errors).toEqual([]);
  });

  it("stamps received/rport and answers to the packet's source port", { timeout: 10_000 }, async () => {
    const errors: unknown[] = [];
    const b = await udpAgent(errors);
    const client = await rawClient();
    sendTo(
      client,
      b.port,
      requestText({ method: "REGISTER", viaHost: "10.9.8.7", viaPort: 5999, rport: true }),
    );
    const response = (await nextDatagram(client)).toString("latin1");
    expect(response).toMatch(/^SIP\/2\.0 200 OK\r\n/);
    expect(response).toMatch(new RegExp(`received=127\\.0\\.0\\.1`));
    expect(response).toMatch(new RegExp(`rport=${client.address().port}`));
  });

  it(
    "answers 400 to a malformed request, drops garbage and oversize datagrams, and keeps serving",
    { timeout: 10_000 },
    async () => {
      const errors: unknown[] = [];
      const b = await udpAgent(errors, { maxMessageSize: 2_000 });
      const client = await rawClient();

      sendTo(
        client,
        b.port,
        "OPTIONS sip:b@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKm1\r\n" +
          "From: <sip:a@x>;tag=1\r\nTo: <sip:b@y>\r\nCall-ID: m1\r\nCSeq: not-a-number OPTIONS\r\n\r\n",
      );
      const bad = (await nextDatagram(client)).toString("latin1");
      expect(bad).toMatch(/^SIP\/2\.0 400 /);
      expect(bad).toContain("Call-ID: m1");

      sendTo(client, b.port, Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x0d, 0x0a, 0x0d, 0x0a]));
      sendTo(client, b.port, "\r\n\r\n");
      sendTo(client, b.port, requestText({ method: "OPTIONS", body: "x".repeat(3_000), rport: true }));
      sendTo(client, b.port, requestText({ method: "OPTIONS", branch: "z9hG4bKafter", rport: true }));
      // The next datagram is the 200 to the last OPTIONS: nothing answered the garbage.
      const ok = (await nextDatagram(client)).toString("latin1");
      expect(ok).toMatch(/^SIP\/2\.0 200 OK\r\n/);
      expect(ok).toContain("z9hG4bKafter");
      expect(b.transport.stats.droppedOversize).toBe(1);
      expect(b.transport.stats.keepAlives).toBe(1);
      expect(b.transport.stats.parseErrors).toBeGreaterThanOrEqual(1);
      expect(errors).toEqual([]);
    },
  );
});
