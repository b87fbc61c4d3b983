import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startRecorderHttp } from "../../recorder/recorder-http";
import { loadServerEnv } from "../env";
import { createSecretToken } from "../services/auth/secret-token";
import type { Db } from "../services/db";
import { createTestDb } from "../test-support/test-db";
import { recordingMediaEndpoint } from "./recording-media-endpoint";

// When the lab recorder cannot give the file, the supervisor is told why (503 with the reason),
// not a broken player. The endpoint alone, on a test database, with no recorder or a fake one.

let db: Db;
let dir: string;
let cleanup: () => Promise<void>;
let token: string;
const closers: (() => Promise<void> | void)[] = [];

// A supervisor's API token and a finished recording on the lab recorder.
beforeEach(async () => {
  ({ db, dir, cleanup } = await createTestDb());
  const user = await db.user.create({ data: { username: "sam", passwordHash: "x", role: "supervisor" } });
  const secret = createSecretToken("flt");
  token = secret.token;
  await db.apiToken.create({ data: { name: "t", tokenHash: secret.hash, userId: user.id } });
  await db.recordingSession.create({
    data: {
      id: "rec-1",
      callId: "c",
      connId: "k",
      side: "source",
      trigger: "private_service",
      state: "stopped",
      recorderUri: "sip:127.0.0.1:5080",
      segments: 1,
    },
  });
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await cleanup();
});

/** The endpoint alone on a port, fetching from the lab recorder at `recorderHttpPort`: a GET of rec-1's audio. */
async function serve(recorderHttpPort: number, extraEnv: Record<string, string> = {}) {
  const env = loadServerEnv({
    DATABASE_URL: "file:./unused.db",
    RECORDER_HTTP_PORT: String(recorderHttpPort),
    RECORDINGS_DIR: path.join(dir, "recordings"),
    ...extraEnv,
  });
  const server = http.createServer((req, res) => void recordingMediaEndpoint(db, env)(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as { port: number }).port;
  return async () => {
    const response = await fetch(`http://127.0.0.1:${port}/api/recordings/rec-1/audio`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return [response.status, await response.text()];
  };
}

/** A port nothing listens on: one the OS gave and took back. */
async function closedPort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe("recording media endpoint when the lab recorder cannot serve", () => {
  it("503 without a token to show it; 503 naming the refusal when the recorder is down", async () => {
    const get = await serve(await closedPort());
    expect(await get()).toEqual([
      503,
      "No lab recorder token: set RECORDER_HTTP_TOKEN or let the recorder write .http-token in RECORDINGS_DIR.\n",
    ]);
    fs.mkdirSync(path.join(dir, "recordings"), { recursive: true });
    fs.writeFileSync(path.join(dir, "recordings", ".http-token"), "a-token-from-the-recorder-0123\n");
    const [status, body] = await get();
    expect([status, body]).toEqual([503, expect.stringMatching(/does not answer \(ECONNREFUSED\)\.\n$/)]);
  });

  it("503 when the recorder refuses the server's token; 404 when it has no such file", async () => {
    const recordings = path.join(dir, "recordings");
    fs.mkdirSync(recordings, { recursive: true });
    const recorder = await startRecorderHttp({
      host: "127.0.0.1",
      port: 0,
      recordingsDir: recordings,
      token: "the-recorder-s-own-token-0123",
    });
    closers.push(() => recorder.close());
    const wrong = await serve(recorder.port, { RECORDER_HTTP_TOKEN: "not-the-recorder-s-token" });
    expect(await wrong()).toEqual([
      503,
      "The lab recorder refused the server's token: set the same RECORDER_HTTP_TOKEN for both.\n",
    ]);
    const right = await serve(recorder.port, { RECORDER_HTTP_TOKEN: "the-recorder-s-own-token-0123" });
    expect(await right()).toEqual([404, "The lab recorder has no file for recording rec-1.\n"]);
    expect(await db.auditEvent.count()).toBe(0);
  });
});
