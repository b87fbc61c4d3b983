import { createServer, type Server } from "node:http";
import { elapse, quietFor, waitFor, within } from "../common/test-support/waiting";
import type { Duplex } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { requestText } from "./test-support/sip-fixtures";
import { testDelegate } from "./test-support/socket-helpers";
import type { IncomingRequest } from "./incoming-request";
import { UserAgentCore } from "./user-agent-core";
import { WsTransport, type WsTransportOptions } from "./ws-transport";

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function wsAgent(
  errors: unknown[],
  options: Pick<WsTransportOptions, "admit" | "onConnectionClosed"> = {},
  extra = {},
) {
  const server: Server = createServer((_request, response) => {
    response.writeHead(404).end();
  });
  // Upgraded sockets leave the HTTP server's bookkeeping: closeAllConnections() does not see them.
  const sockets = new Set<Duplex>();
  server.on("connection", (socket: Duplex) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  cleanups.push(
    () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const transport = new WsTransport({ server, path: "/sip", ...options });
  const ua = new UserAgentCore({ delegate: testDelegate(errors, extra) });
  cleanups.push(() => ua.close());
  await ua.addTransport(transport);
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  return { ua, transport, url: `ws://127.0.0.1:${address.port}/sip` };
}

/** Opens a client; resolves once open, or with the HTTP status the upgrade was refused with. */
function open(
  url: string,
  protocols?: string | string[],
  headers: Record<string, string> = {},
): Promise<{ socket: WebSocket; refused?: number }> {
  const socket =
    protocols === undefined ? new WebSocket(url, { headers }) : new WebSocket(url, protocols, { headers });
  cleanups.push(async () => {
    socket.terminate();
  });
  return within(
    new Promise((resolve, reject) => {
      socket.once("open", () => resolve({ socket }));
      socket.once("unexpected-response", (_request, response) =>
        resolve({ socket, refused: response.statusCode }),
      );
      socket.once("error", reject);
    }),
    3_000,
    "the WebSocket handshake",
  );
}

function nextMessage(socket: WebSocket, ms = 3_000): Promise<string> {
  return within(
    new Promise<string>((resolve) =>
      socket.once("message", (data: Buffer) => resolve(data.toString("utf8"))),
    ),
    ms,
    "a WebSocket message",
  );
}

const WS_REGISTER = {
  method: "REGISTER",
  transport: "WS" as const,
  viaHost: "df7jal23ls0d.invalid",
  rport: true,
  uri: "sip:127.0.0.1",
};

describe("WsTransport (RFC 7118) on an http.Server", () => {
  it("accepts subprotocol sip and answers REGISTER on the same socket", { timeout: 10_000 }, async () => {
    const errors: unknown[] = [];
    const { url, transport } = await wsAgent(errors);
    const { socket, refused } = await open(url, "sip");
    expect(refused).toBeUndefined();
    expect(socket.protocol).toBe("sip");
    const reply = nextMessage(socket);
    socket.send(requestText(WS_REGISTER));
    const response = await reply;
    expect(response).toMatch(/^SIP\/2\.0 200 OK\r\n/);
    expect(response).toContain("received=127.0.0.1");
    expect(response).toMatch(/rport=\d+/);
    expect(transport.connectionCount).toBe(1);
    expect(errors).toEqual([]);
  });

  it("accepts a binary frame as one message too", { timeout: 10_000 }, async () => {
    const { url } = await wsAgent([]);
    const { socket } = await open(url, ["sip"]);
    const reply = nextMessage(socket);
    socket.send(Buffer.from(requestText({ ...WS_REGISTER, branch: "z9hG4bKbin" })), { binary: true });
    expect(await reply).toContain("z9hG4bKbin");
  });

  it("refuses an upgrade without the sip subprotocol with 400", { timeout: 10_000 }, async () => {
    const { url, transport } = await wsAgent([]);
    expect((await open(url)).refused).toBe(400);
    expect((await open(url, "chat")).refused).toBe(400);
    expect(transport.connectionCount).toBe(0);
  });

  it(
    "asks `admit` before the handshake: a refusal is an HTTP error, an admitted flow keeps its owner",
    { timeout: 10_000 },
    async () => {
      const errors: unknown[] = [];
      const flows: string[] = [];
      const agent = await wsAgent(
        errors,
        {
          admit: async (request) => {
            await elapse(20, "admission takes time, like a session lookup");
            const who = /(?:^|;\s*)who=(\w+)/.exec(request.headers.cookie ?? "")?.[1];
            if (who === undefined) return { accepted: false, status: 401, reason: "sign in first" };
            if (who === "mallory") throw new Error("session store down");
            return { accepted: true, owner: who };
          },
        },
        {
          handlers: {
            REGISTER: (request: IncomingRequest) => {
              flows.push(request.source.connectionId ?? "");
              request.reply(200);
            },
          },
        },
      );
      const transport = agent.transport;
      expect((await open(agent.url, "sip")).refused).toBe(401);
      expect((await open(agent.url, "sip", { cookie: "who=mallory" })).refused).toBe(500);
      expect(errors).toHaveLength(1);
      const { socket, refused } = await open(agent.url, "sip", { cookie: "theme=dark; who=amy" });
      expect(refused).toBeUndefined();
      const reply = nextMessage(socket);
      socket.send(requestText(WS_REGISTER));
      expect(await reply).toMatch(/^SIP\/2\.0 200 /);
      expect(flows.map((id) => transport.ownerOf(id))).toEqual(["amy"]);
      expect(transport.connectionCount).toBe(1);
    },
  );

  it(
    "closes a connection on request with 1008 and its reason, and reports every closed connection",
    { timeout: 10_000 },
    async () => {
      const closedIds: string[] = [];
      const flows: string[] = [];
      const agent = await wsAgent(
        [],
        { onConnectionClosed: (id) => closedIds.push(id) },
        {
          handlers: {
            REGISTER: (request: IncomingRequest) => {
              flows.push(request.source.connectionId ?? "");
              request.reply(200);
            },
          },
        },
      );
      const first = await open(agent.url, "sip");
      const second = await open(agent.url, "sip");
      for (const [socket, branch] of [
        [first.socket, "z9hG4bKc1"],
        [second.socket, "z9hG4bKc2"],
      ] as const) {
        const reply = nextMessage(socket);
        socket.send(requestText({ ...WS_REGISTER, branch }));
        await reply;
      }
      const [firstId, secondId] = flows;
      const closed = new Promise<[number, string]>((resolve) =>
        first.socket.once("close", (code, reason) => resolve([code, reason.toString("utf8")])),
      );
      const long = `Extension 1001 is not assigned to this user ${"é".repeat(100)}`;
      expect(agent.transport.closeConnection(firstId!, long)).toBe(true);
      const [code, reason] = await closed;
      expect(code).toBe(1008);
      expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
      expect(reason.startsWith("Extension 1001 is not assigned to this user")).toBe(true);
      second.socket.close();
      await waitFor(() => closedIds.length >= 2, 3_000, "both closes reported", 20);
      expect(closedIds.sort()).toEqual([firstId, secondId].sort());
      expect(agent.transport.closeConnection(firstId!, "again")).toBe(false);
      expect(agent.transport.connectionCount).toBe(0);
    },
  );

  it("leaves upgrades on other paths to other listeners", { timeout: 10_000 }, async () => {
    const { url } = await wsAgent([]);
    const other = new WebSocket(url.replace("/sip", "/other"), "sip");
    cleanups.push(async () => {
      other.terminate();
    });
    const outcome = await within(
      new Promise<string>((resolve) => {
        other.once("open", () => resolve("open"));
        other.once("error", () => resolve("error"));
        other.once("unexpected-response", () => resolve("refused"));
        void quietFor(300, "the other path's upgrade neither opens nor fails at once").then(() =>
          resolve("pending"),
        );
      }),
      3_000,
      "the other upgrade",
    );
    expect(outcome).not.toBe("open");
  });

  it(
    "answers 400 to a malformed request, ignores garbage, and keeps the connection",
    { timeout: 10_000 },
    async () => {
      const errors: unknown[] = [];
      const { url } = await wsAgent(errors);
      const { socket } = await open(url, "sip");
      const bad = nextMessage(socket);
      socket.send(
        "REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS x.invalid;branch=z9hG4bKw1\r\nFrom: <sip:a@x>;tag=1\r\n" +
          "To: <sip:a@x>\r\nCall-ID: w1\r\nCSeq: zero REGISTER\r\n\r\n",
      );
      expect(await bad).toMatch(/^SIP\/2\.0 400 /);
      const received: string[] = [];
      socket.on("message", (data: Buffer) => received.push(data.toString("utf8")));
      socket.send(Buffer.from([0xff, 0x00, 0x13]), { binary: true });
      socket.send("");
      await quietFor(100, "no answer to a binary or empty frame");
      expect(received).toEqual([]);
      const ok = nextMessage(socket);
      socket.send(requestText({ ...WS_REGISTER, branch: "z9hG4bKstill" }));
      expect(await ok).toContain("z9hG4bKstill");
      expect(socket.readyState).toBe(WebSocket.OPEN);
      expect(errors).toEqual([]);
    },
  );
});
