import { execFileSync } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestServer, startTestServer } from "../test-support/start-test-server";

let server: TestServer;
const certDir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-tls-"));
const cert = path.join(certDir, "cert.pem");
const key = path.join(certDir, "key.pem");

beforeAll(async () => {
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      key,
      "-out",
      cert,
    ],
    { stdio: "ignore" },
  );
  server = await startTestServer({
    httpPort: 3141,
    adminPassword: "tls-test-admin",
    extraEnv: { TLS_CERT: cert, TLS_KEY: key },
  });
}, 90_000);
afterAll(async () => {
  await server?.stop();
  fs.rmSync(certDir, { recursive: true, force: true });
});

function get(
  pathname: string,
  body?: string,
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${server.url}${pathname}`,
      {
        ca: fs.readFileSync(cert),
        method: body ? "POST" : "GET",
        headers: { "content-type": "application/json" },
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("HTTPS when TLS_CERT and TLS_KEY are set", () => {
  it("serves the API over TLS and marks the session cookie Secure", async () => {
    expect(server.url).toBe("https://127.0.0.1:3141");
    expect((await get("/healthz")).status).toBe(200);
    const login = await get(
      "/api/trpc/auth.login",
      JSON.stringify({ json: { username: "admin", password: "tls-test-admin" } }),
    );
    expect(login.status).toBe(200);
    expect(String(login.headers["set-cookie"])).toMatch(/forkline_session=[^;]+;.*HttpOnly.*Secure/);
  });
});
