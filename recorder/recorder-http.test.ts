import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startRecorderHttp } from "./recorder-http";
import { recordingsToken, TOKEN_FILE } from "./recordings-token";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(token?: string) {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-http-"));
  cleanups.push(() => fs.rmSync(parent, { recursive: true, force: true }));
  const dir = path.join(parent, "recordings");
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(parent, "secret.wav"), "outside");
  fs.writeFileSync(path.join(dir, "r1.wav"), "RIFF....");
  fs.writeFileSync(path.join(dir, "r1.json"), JSON.stringify({ recordingId: "r1", pauses: [] }));
  const http = await startRecorderHttp({
    host: "127.0.0.1",
    port: 0,
    recordingsDir: dir,
    ...(token === undefined ? {} : { token }),
  });
  cleanups.push(() => http.close());
  return `http://127.0.0.1:${http.port}`;
}

describe("recorder HTTP", () => {
  it("lists recordings with their JSON metadata and a download path", async () => {
    const base = await serve();
    const body = (await (await fetch(`${base}/recordings`)).json()) as unknown[];
    expect(body).toEqual([
      expect.objectContaining({
        id: "r1",
        metadata: { recordingId: "r1", pauses: [] },
        download: "/recordings/r1.wav",
      }),
    ]);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it("serves a WAV and nothing outside the recordings folder", async () => {
    const base = await serve();
    const wav = await fetch(`${base}/recordings/r1.wav`);
    expect([wav.status, await wav.text()]).toEqual([200, "RIFF...."]);
    for (const evil of [
      "..%2Fsecret.wav",
      "%2E%2E%2Fsecret.wav",
      "missing.wav",
      "r1.txt",
      "%E0%A4%A.wav",
      ".wav",
    ]) {
      const response = await fetch(`${base}/recordings/${evil}`);
      expect([evil, response.status]).toEqual([evil, evil.startsWith("%E0") ? 400 : 404]);
    }
    expect((await fetch(`${base}/recordings/r1.wav`, { method: "DELETE" })).status).toBe(405);
  });

  it("with a token: the listing and files need it (401 with WWW-Authenticate otherwise); health and metrics do not", async () => {
    const token = "t0ken-of-the-lab-recorder";
    const base = await serve(token);
    for (const url of [`${base}/recordings`, `${base}/recordings/r1.wav`]) {
      const none = await fetch(url);
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toBe('Bearer realm="recordings"');
      expect(
        (await fetch(url, { headers: { authorization: "Bearer wrong-token-of-same-size" } })).status,
      ).toBe(401);
      expect((await fetch(url, { headers: { authorization: `Basic ${token}` } })).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    }
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});

describe("recorder HTTP byte ranges (RFC 9110 §14)", () => {
  async function wav() {
    const base = await serve();
    return (range?: string, method = "GET") =>
      fetch(`${base}/recordings/r1.wav`, { method, headers: range === undefined ? {} : { range } });
  }

  it("answers one range with 206 and Content-Range: a-b, a-, -n, and an end beyond the file cut", async () => {
    const get = await wav();
    const whole = await get();
    expect([whole.status, whole.headers.get("accept-ranges"), whole.headers.get("content-length")]).toEqual([
      200,
      "bytes",
      "8",
    ]);
    for (const [range, contentRange, body] of [
      ["bytes=0-3", "bytes 0-3/8", "RIFF"],
      ["bytes=4-", "bytes 4-7/8", "...."],
      ["bytes=-2", "bytes 6-7/8", ".."],
      ["bytes=-100", "bytes 0-7/8", "RIFF...."],
      ["bytes=2-100", "bytes 2-7/8", "FF...."],
    ] as const) {
      const response = await get(range);
      expect([range, response.status, response.headers.get("content-range"), await response.text()]).toEqual([
        range,
        206,
        contentRange,
        body,
      ]);
      expect(response.headers.get("content-type")).toBe("audio/wav");
    }
  });

  it("answers an unsatisfiable range with 416 and the size; several or malformed ranges with the whole file", async () => {
    const get = await wav();
    for (const range of ["bytes=8-", "bytes=100-200", "bytes=-0"]) {
      const response = await get(range);
      expect([range, response.status, response.headers.get("content-range")]).toEqual([
        range,
        416,
        "bytes */8",
      ]);
    }
    for (const range of ["bytes=0-1,4-5", "items=0-1", "bytes=5-2", "bytes=x-"]) {
      const response = await get(range);
      expect([range, response.status, await response.text()]).toEqual([range, 200, "RIFF...."]);
    }
    const head = await get("bytes=0-3", "HEAD");
    expect([head.status, head.headers.get("content-length"), head.headers.get("content-range")]).toEqual([
      206,
      "4",
      "bytes 0-3/8",
    ]);
  });

  it("serves the JSON sidecar with the same token as the audio", async () => {
    const base = await serve("t0ken-of-the-lab-recorder");
    expect((await fetch(`${base}/recordings/r1.json`)).status).toBe(401);
    const sidecar = await fetch(`${base}/recordings/r1.json`, {
      headers: { authorization: "Bearer t0ken-of-the-lab-recorder" },
    });
    expect([sidecar.status, sidecar.headers.get("content-type"), await sidecar.json()]).toEqual([
      200,
      "application/json",
      { recordingId: "r1", pauses: [] },
    ]);
  });
});

describe("recordingsToken", () => {
  it("takes RECORDER_HTTP_TOKEN, else generates one once and keeps it (0600) beside the recordings", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-token-"));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    expect(recordingsToken(dir, "configured-token-0123")).toBe("configured-token-0123");
    expect(fs.existsSync(path.join(dir, TOKEN_FILE))).toBe(false);
    const generated = recordingsToken(dir, undefined);
    expect(generated).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(fs.statSync(path.join(dir, TOKEN_FILE)).mode & 0o777).toBe(0o600);
    expect(recordingsToken(dir, undefined)).toBe(generated);
  });
});
