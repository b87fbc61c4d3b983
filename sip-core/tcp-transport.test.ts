import { connect, type Socket } from "node:net";
import { elapse, quietFor, waitFor, within } from "../common/test-support/waiting";
import { afterEach, describe, expect, it } from "vitest";
import { TcpTransport } from "./tcp-transport";
import { requestText } from "./test-support/sip-fixtures";
import { StreamReader, testDelegate } from "./test-support/socket-helpers";
import { UserAgentCore } from "./user-agent-core";

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tcpAgent(errors: unknown[], incompleteMessageTimeoutMs?: number) {
  const transport = new TcpTransport({
    host: "127.0.0.1",
    port: 0,
    ...(incompleteMessageTimeoutMs === undefined ? {} : { incompleteMessageTimeoutMs }),
  });
  const ua = new UserAgentCore({ delegate: testDelegate(errors) });
  cleanups.push(() => ua.close());
  await ua.addTransport(transport);
  return { ua, transport, port: transport.localAddress.port };
}

async function client(port: number): Promise<{ socket: Socket; reader: StreamReader }> {
  const socket = connect({ host: "127.0.0.1", port });
  cleanups.push(async () => {
    socket.destroy();
  });
  await within(new Promise<void>((resolve) => socket.once("connect", () => resolve())), 3_000, "TCP connect");
  return { socket, reader: new StreamReader(socket) };
}

describe("TcpTransport on 127.0.0.1", () => {
  it("frames a message split across two writes", { timeout: 10_000 }, async () => {
    const errors: unknown[] = [];
    const server = await tcpAgent(errors);
    const { socket, reader } = await client(server.port);
    const text = requestText({ method: "REGISTER", transport: "TCP", body: "" });
    const cut = Math.floor(text.length / 2);
    socket.write(text.slice(0, cut));
    await elapse(50, "the two halves reach the server as two segments");
    socket.write(text.slice(cut));
    expect(await reader.waitForResponses(1)).toEqual(["SIP/2.0 200 OK"]);
    expect(errors).toEqual([]);
  });

  it(
    "closes a connection whose message is begun but not finished in time, however slowly it trickles",
    { timeout: 10_000 },
    async () => {
      const errors: unknown[] = [];
      const server = await tcpAgent(errors, 600);
      const { socket, reader } = await client(server.port);
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      const text = requestText({ method: "REGISTER", transport: "TCP", body: "" });
      // A whole message is answered; the next one trickles a byte every 100 ms (each byte would
      // reset an idle timer) and is cut off at its deadline.
      socket.write(text);
      expect(await reader.waitForResponses(1)).toEqual(["SIP/2.0 200 OK"]);
      const trickle = setInterval(() => socket.writable && socket.write("R"), 100);
      try {
        await within(closed, 3_000, "the server to close the connection");
      } finally {
        clearInterval(trickle);
      }
      expect(server.transport.stats.incompleteTimeouts).toBe(1);
      expect(server.transport.connectionCount).toBe(0);
      expect(errors).toEqual([]);
    },
  );

  it("frames two messages in one write, bodies included", { timeout: 10_000 }, async () => {
    const errors: unknown[] = [];
    const server = await tcpAgent(errors);
    const { socket, reader } = await client(server.port);
    socket.write(
      requestText({ method: "REGISTER", transport: "TCP", branch: "z9hG4bKone", body: "hello" }) +
        requestText({ method: "OPTIONS", transport: "TCP", branch: "z9hG4bKtwo" }),
    );
    expect(await reader.waitForResponses(2)).toEqual(["SIP/2.0 200 OK", "SIP/2.0 200 OK"]);
    expect(reader.received).toContain("z9hG4bKone");
    expect(reader.received).toContain("z9hG4bKtwo");
    expect(server.transport.stats.received).toBe(2);
  });

  it("answers a double-CRLF keep-alive ping with a CRLF pong (RFC 5626)", { timeout: 10_000 }, async () => {
    const server = await tcpAgent([]);
    const { socket, reader } = await client(server.port);
    socket.write("\r\n\r\n");
    await waitFor(() => reader.received.length > 0, 3_000, "the pong");
    expect(reader.received).toBe("\r\n");
  });

  it(
    "carries OPTIONS between two UserAgentCores and reuses the connection",
    { timeout: 10_000 },
    async () => {
      const errors: unknown[] = [];
      const a = await tcpAgent(errors);
      const b = await tcpAgent(errors);
      for (const branchless of [1, 2]) {
        const options = a.ua.createRequest("OPTIONS", `sip:b@127.0.0.1:${b.port};transport=tcp`, {
          from: "<sip:a@127.0.0.1>",
          to: `<sip:b@127.0.0.1;n=${branchless}>`,
        });
        const response = await within(a.ua.send(options), 5_000, "the OPTIONS response");
        expect(response.status).toBe(200);
      }
      expect(a.transport.connectionCount).toBe(1);
      expect(b.transport.connectionCount).toBe(1);
      expect(errors).toEqual([]);
    },
  );

  it(
    "answers 400 to a malformed request and drops garbage, closing only that connection",
    { timeout: 10_000 },
    async () => {
      const errors: unknown[] = [];
      const server = await tcpAgent(errors);
      const bad = await client(server.port);
      bad.socket.write(
        "OPTIONS sip:b@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKt1\r\n" +
          "From: <sip:a@x>;tag=1\r\nTo: <sip:b@y>\r\nCall-ID: t1\r\nCSeq: 1 OPTIONS\r\nContent-Length: -5\r\n\r\n",
      );
      const [first] = await bad.reader.waitForResponses(1);
      expect(first).toMatch(/^SIP\/2\.0 400 /);

      const garbage = await client(server.port);
      garbage.socket.write(Buffer.concat([Buffer.from([0, 1, 2, 3, 0xff]), Buffer.from("\r\n\r\n")]));
      const healthy = await client(server.port);
      healthy.socket.write(requestText({ method: "OPTIONS", transport: "TCP", branch: "z9hG4bKok" }));
      expect(await healthy.reader.waitForResponses(1)).toEqual(["SIP/2.0 200 OK"]);
      await quietFor(50, "no answer to garbage");
      expect(garbage.reader.received).toBe("");
      expect(healthy.socket.destroyed).toBe(false);
      expect(errors.filter((e) => !/ECONNRESET|EPIPE/.test(String(e)))).toEqual([]);
    },
  );
});
