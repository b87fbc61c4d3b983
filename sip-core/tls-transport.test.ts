import { spawn } from "node:child_process";
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSipUri } from "../protocol/sip";
import type { SipAddress } from "./sip-address";
import { TlsTransport } from "./tcp-transport";
import { requestText } from "./test-support/sip-fixtures";
import { testDelegate } from "./test-support/socket-helpers";
import { makeTestCertificate, type TestCertificate } from "./test-support/test-certificate";
import { uriDestination } from "./uri-destination";
import { UserAgentCore } from "./user-agent-core";

let certificate: TestCertificate;
let otherName: TestCertificate;
let server: UserAgentCore;
let port: number;
const sources: SipAddress[] = [];
const serverErrors: unknown[] = [];
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  certificate = makeTestCertificate(["IP:127.0.0.1"]);
  otherName = makeTestCertificate(["DNS:sip.example"]);
  server = new UserAgentCore({
    delegate: testDelegate(serverErrors, {
      handlers: {
        OPTIONS: (request) => {
          sources.push(request.source);
          request.reply(200);
        },
      },
    }),
  });
  const transport = new TlsTransport({
    host: "127.0.0.1",
    port: 0,
    tls: { cert: certificate.cert, key: certificate.key },
  });
  await server.addTransport(transport);
  port = transport.localAddress.port;
});

afterAll(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await server?.close();
  for (const c of [certificate, otherName])
    if (c !== undefined) fs.rmSync(c.dir, { recursive: true, force: true });
});

async function client(tls: ConstructorParameters<typeof TlsTransport>[0]["tls"]): Promise<UserAgentCore> {
  const ua = new UserAgentCore({ delegate: testDelegate([]) });
  await ua.addTransport(new TlsTransport({ host: "127.0.0.1", port: 0, tls }));
  cleanups.push(() => ua.close());
  return ua;
}

function options(ua: UserAgentCore, uri: string) {
  const request = ua.createRequest("OPTIONS", uri, { from: "<sip:test@127.0.0.1>", to: `<${uri}>` });
  return ua.send(request, { destination: uriDestination(parseSipUri(uri)) });
}

describe("SIP over TLS (RFC 3261 §26.2.1)", () => {
  it("answers a request from openssl s_client (an independent TLS peer) on the same connection", async () => {
    const text = requestText({
      method: "OPTIONS",
      transport: "TLS",
      viaHost: "127.0.0.1",
      uri: `sip:forkline@127.0.0.1:${port}`,
    });
    const peer = spawn(
      "openssl",
      [
        "s_client",
        "-quiet",
        "-connect",
        `127.0.0.1:${port}`,
        "-CAfile",
        certificate.certFile,
        "-verify_return_error",
      ],
      {
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    let received = "";
    peer.stdout.on("data", (chunk: Buffer) => (received += chunk.toString("utf8")));
    peer.stdin.write(text);
    try {
      await expect.poll(() => received, { timeout: 10_000 }).toMatch(/^SIP\/2\.0 200 OK\r\n/);
      expect(received).toMatch(/^Via: SIP\/2\.0\/TLS 127\.0\.0\.1:5060;branch=z9hG4bKtest1/m);
      expect(sources.at(-1)).toMatchObject({ transport: "TLS", host: "127.0.0.1" });
    } finally {
      peer.kill();
    }
  });

  it("reaches a sips: URI over TLS, verifying the server's certificate against the CA given", async () => {
    const ua = await client({ ca: certificate.cert });
    const response = await options(ua, `sips:forkline@127.0.0.1:${port}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("Via")).toMatch(/^SIP\/2\.0\/TLS /);
    // transport=tls on a sip: URI names TLS too.
    expect((await options(ua, `sip:forkline@127.0.0.1:${port};transport=tls`)).status).toBe(200);
  });

  it("refuses a server whose certificate it cannot verify, naming the certificate problem", async () => {
    const untrusting = await client({});
    await expect(options(untrusting, `sips:forkline@127.0.0.1:${port}`)).rejects.toThrow(
      /TLS connect failed: self-signed certificate/,
    );
    const wrongName = await client({ ca: otherName.cert });
    await expect(options(wrongName, `sips:forkline@127.0.0.1:${port}`)).rejects.toThrow(
      /TLS connect failed: self-signed certificate|does not match certificate's altnames/,
    );
    // The server heard two handshakes fail: one line each, the server goes on.
    expect(
      (await options(await client({ ca: certificate.cert }), `sips:forkline@127.0.0.1:${port}`)).status,
    ).toBe(200);
  });

  it("cannot reach a sips: URI over another transport", () => {
    expect(() => uriDestination(parseSipUri("sips:a@127.0.0.1;transport=udp"))).toThrow(/needs TLS, not udp/);
    expect(uriDestination(parseSipUri("sips:a@127.0.0.1"))).toEqual({
      transport: "TLS",
      host: "127.0.0.1",
      port: 5061,
    });
  });
});
