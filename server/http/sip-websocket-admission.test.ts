import http from "node:http";
import { waitFor } from "../../common/test-support/waiting";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { parseSipMessage, type SipResponse } from "../../protocol/sip";
import { answerDigest } from "../test-support/answer-digest";
import { type TestServer, startTestServer } from "../test-support/start-test-server";

// The real server process: a softphone's SIP WebSocket belongs to the signed-in user who opened
// it, and an agent registers only the extension assigned to them.
const HTTP_PORT = 3145;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ httpPort: HTTP_PORT, adminPassword: "ws-admission-admin" });
}, 90_000);
afterAll(async () => {
  await server?.stop();
});

async function trpc(procedure: string, input: unknown, cookie?: string) {
  const response = await fetch(`${server.url}/api/trpc/${procedure}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(cookie === undefined ? {} : { cookie }) },
    body: JSON.stringify({ json: input }),
  });
  if (!response.ok) throw new Error(`${procedure}: ${response.status} ${await response.text()}`);
  return response;
}

async function signIn(username: string, password: string): Promise<string> {
  const response = await trpc("auth.login", { username, password });
  const cookie = response.headers.get("set-cookie")?.split(";")[0];
  if (!cookie) throw new Error("no session cookie");
  return cookie;
}

/** Opens ws://…/sip; resolves with the socket, or the HTTP status the upgrade was refused with. */
function connect(
  cookie?: string,
  opts: { origin?: string; path?: string } = {},
): Promise<{ socket: WebSocket; refused?: number }> {
  const socket = new WebSocket(`ws://127.0.0.1:${HTTP_PORT}${opts.path ?? "/sip"}`, "sip", {
    headers: cookie === undefined ? {} : { cookie },
    ...(opts.origin === undefined ? {} : { origin: opts.origin }),
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no handshake in 5 s")), 5_000);
    socket.once("open", () => {
      clearTimeout(timer);
      resolve({ socket });
    });
    socket.once("unexpected-response", (_request, response) => {
      clearTimeout(timer);
      resolve({ socket, refused: response.statusCode });
    });
    socket.once("error", reject);
  });
}

function exchange(socket: WebSocket, text: string): Promise<SipResponse> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no SIP answer in 5 s")), 5_000);
    socket.once("message", (data: Buffer) => {
      clearTimeout(timer);
      resolve(parseSipMessage(data.toString("utf8")) as SipResponse);
    });
    socket.send(text);
  });
}

let branch = 0;
/**
 * REGISTER with the demo SIP password, answering the digest challenge. `query`: no Contact, so
 * the answer lists the extension's current bindings (RFC 3261 §10.2.3).
 */
async function register(socket: WebSocket, extension: string, query = false): Promise<SipResponse> {
  const uri = "sip:127.0.0.1";
  const callId = `ws-admission-${extension}-${Date.now()}`;
  const request = (cseq: number, authorization?: string) =>
    [
      `REGISTER ${uri} SIP/2.0`,
      `Via: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKadm${++branch}`,
      `Max-Forwards: 70`,
      `From: <sip:${extension}@127.0.0.1>;tag=t${branch}`,
      `To: <sip:${extension}@127.0.0.1>`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} REGISTER`,
      ...(query ? [] : [`Contact: <sip:x${extension}@df7jal23ls0d.invalid;transport=ws>`, `Expires: 300`]),
      ...(authorization === undefined ? [] : [`Authorization: ${authorization}`]),
      `Content-Length: 0`,
      ``,
      ``,
    ].join("\r\n");
  const challenge = await exchange(socket, request(1));
  if (challenge.status !== 401) return challenge;
  const authorization = answerDigest(challenge.headers.getAll("WWW-Authenticate"), {
    user: extension,
    password: `demo-${extension}`,
    method: "REGISTER",
    uri,
  });
  return exchange(socket, request(2, authorization));
}

describe("SIP over WebSocket belongs to the signed-in user", () => {
  it("refuses an upgrade without a session, even with the right SIP password at hand", async () => {
    const { refused } = await connect();
    expect(refused).toBe(401);
    expect((await connect("forkline_session=not-a-session")).refused).toBe(401);
  });

  it("refuses a WebSocket opened by another site's page with the user's cookie (403), takes its own", async () => {
    const cookie = await signIn("admin", "ws-admission-admin");
    expect((await connect(cookie, { origin: "http://evil.example" })).refused).toBe(403);
    expect((await connect(cookie, { origin: `https://127.0.0.1:${HTTP_PORT}` })).refused).toBe(403);
    const own = await connect(cookie, { origin: `http://127.0.0.1:${HTTP_PORT}` });
    expect(own.refused).toBeUndefined();
    own.socket.close();
  });

  it("answers an upgrade on any other path with 404 and closes it, instead of leaving it open", async () => {
    const cookie = await signIn("admin", "ws-admission-admin");
    for (const path of ["/sip/", "/SIP", "/x", "/api/trpc/auth.me"]) {
      const { socket, refused } = await connect(cookie, { path });
      expect(refused, path).toBe(404);
      socket.terminate();
    }
  });

  it("refuses a request body over 1 MB with 413 before reading it, and stays up", async () => {
    const huge = JSON.stringify({ json: { username: "admin", password: "x".repeat(2 * 1024 * 1024) } });
    const response = await fetch(`${server.url}/api/trpc/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: huge,
    }).catch((error: unknown) => error as Error);
    // The server answers 413 and closes; a client still sending may see the close first.
    if (!(response instanceof Error)) expect(response.status).toBe(413);
    // Chunked, so no Content-Length to refuse on: tRPC's own limit stops the read.
    const chunked = await fetch(`${server.url}/api/trpc/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new Blob([huge]).stream(),
      duplex: "half",
    } as RequestInit).catch((error: unknown) => error as Error);
    if (!(chunked instanceof Error)) expect(chunked.status).toBe(413);
    expect(response instanceof Error && chunked instanceof Error).toBe(false);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it("an agent registers their own extension only; an admin any", { timeout: 30_000 }, async () => {
    const adminCookie = await signIn("admin", "ws-admission-admin");
    await trpc(
      "user.create",
      { username: "amy", password: "password-123", role: "agent", extension: "1002" },
      adminCookie,
    );
    const amyCookie = await signIn("amy", "password-123");
    const { socket, refused } = await connect(amyCookie);
    expect(refused).toBeUndefined();
    try {
      const other = await register(socket, "1001");
      expect(other.status).toBe(403);
      expect(other.reason).toBe("Extension 1001 is not assigned to this user");
      expect((await register(socket, "1002")).status).toBe(200);
    } finally {
      socket.close();
    }

    const admin = await connect(adminCookie);
    try {
      expect((await register(admin.socket, "1001")).status).toBe(200);
    } finally {
      admin.socket.close();
    }
  });

  it(
    "a closed softphone loses its bindings at once, and an agent whose extension is taken away is disconnected",
    { timeout: 30_000 },
    async () => {
      const adminCookie = await signIn("admin", "ws-admission-admin");
      const bindings = async (socket: WebSocket, extension: string) =>
        (await register(socket, extension, true)).headers.getAll("Contact");
      const admin = await connect(adminCookie);
      const tab = await connect(adminCookie);
      const amy = await connect(await signIn("amy", "password-123"));
      try {
        // A tab that closes: its binding goes without waiting for the registration to expire.
        expect((await register(tab.socket, "1003")).status).toBe(200);
        expect(await bindings(admin.socket, "1003")).toHaveLength(1);
        tab.socket.close();
        await waitFor(
          async () => (await bindings(admin.socket, "1003")).length === 0,
          5_000,
          "1003's bindings to go",
          100,
        );

        // Amy (extension 1002, from the test above) registers, then an admin moves her to 1003.
        expect((await register(amy.socket, "1002")).status).toBe(200);
        expect(await bindings(admin.socket, "1002")).toHaveLength(1);
        const closed = new Promise<{ code: number; reason: string }>((resolve) =>
          amy.socket.once("close", (code, reason) => resolve({ code, reason: reason.toString("utf8") })),
        );
        await trpc("user.update", { username: "amy", extension: "1003" }, adminCookie);
        expect(await closed).toEqual({ code: 1008, reason: "Extension 1002 is not assigned to this user" });
        await waitFor(
          async () => (await bindings(admin.socket, "1002")).length === 0,
          5_000,
          "1002's bindings to go",
          100,
        );

        // Amy signs in again on her new extension; an admin disables her: her softphone is
        // disconnected at once and she cannot connect again.
        const amyCookie = await signIn("amy", "password-123");
        const again = await connect(amyCookie);
        expect((await register(again.socket, "1003")).status).toBe(200);
        const cut = new Promise<{ code: number; reason: string }>((resolve) =>
          again.socket.once("close", (code, reason) => resolve({ code, reason: reason.toString("utf8") })),
        );
        await trpc("user.update", { username: "amy", disabled: true }, adminCookie);
        expect(await cut).toEqual({ code: 1008, reason: "The signed-in user is disabled" });
        await waitFor(
          async () => (await bindings(admin.socket, "1003")).length === 0,
          5_000,
          "1003's bindings to go",
          100,
        );
        expect((await connect(amyCookie)).refused).toBe(401);
        await trpc("user.update", { username: "amy", disabled: false }, adminCookie);
      } finally {
        admin.socket.close();
        amy.socket.close();
      }
    },
  );
});

describe("the web port's Prometheus /metrics", () => {
  /** GET /metrics from a chosen loopback source address. */
  const scrape = (localAddress: string) =>
    new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const request = http.get(
        { host: "127.0.0.1", port: HTTP_PORT, path: "/metrics", localAddress },
        (response) => {
          let body = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => (body += chunk));
          response.on("end", () =>
            resolve({ status: response.statusCode ?? 0, type: response.headers["content-type"] ?? "", body }),
          );
        },
      );
      request.on("error", reject);
    });

  it("serves the server's gauges and counters to an allowed scraper, 403 to any other address", async () => {
    const scraped = await scrape("127.0.0.1");
    expect(scraped.status).toBe(200);
    expect(scraped.type).toContain("text/plain");
    expect(scraped.body).toMatch(/^forkline_calls 0$/m);
    expect(scraped.body).toMatch(/^forkline_sip_registered_aors \d+$/m);
    // This stack runs no media engine: the series says so (0) rather than being absent.
    expect(scraped.body).toMatch(/^forkline_media_engine_up\{engine="sip:127\.0\.0\.1:\d+"\} 0$/m);
    expect(scraped.body).toMatch(/^forkline_recordings\{state="interrupted"\} 0$/m);
    expect(scraped.body).toContain("# TYPE forkline_contained_errors_total counter");
    expect(scraped.body).toMatch(/^process_resident_memory_bytes \d+/m);
    const stranger = await scrape("127.0.0.2");
    expect(stranger.status).toBe(403);
    expect(stranger.body).not.toContain("forkline_");
  });
});
