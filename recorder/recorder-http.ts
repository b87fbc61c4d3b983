import { timingSafeEqual } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { listRecordings } from "./list-recordings";
import { parseByteRange } from "./parse-byte-range";

export interface RecorderHttpOptions {
  readonly host: string;
  /** 0 lets the OS choose (tests). */
  readonly port: number;
  readonly recordingsDir: string;
  readonly health?: () => Record<string, unknown>;
  /** The Prometheus exposition served at /metrics (prom-client's registry); 404 when absent. */
  readonly metrics?: () => Promise<{ contentType: string; body: string }>;
  /**
   * The bearer token /recordings and its files require (RFC 6750 §2.1 "Authorization: Bearer"):
   * they hold voices and phone numbers. Absent only in tests of the listing itself.
   */
  readonly token?: string;
}

export interface RecorderHttp {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * What may follow /recordings/: one plain file name ending in .wav (the audio) or .json (its
 * sidecar), nothing that walks directories.
 */
const FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}\.(wav|json)$/;

function send(res: http.ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { "content-type": contentType }).end(body);
}

function json(res: http.ServerResponse, value: unknown, status = 200): void {
  send(res, status, "application/json", `${JSON.stringify(value)}\n`);
}

/**
 * The recorder's HTTP side: /healthz, /metrics (Prometheus text), /recordings (every WAV on disk
 * with its state and JSON metadata), /recordings/<name>.wav (the audio, streamed, with byte
 * ranges) and /recordings/<name>.json (its sidecar). Only GET
 * and HEAD are answered.
 */
export async function startRecorderHttp(options: RecorderHttpOptions): Promise<RecorderHttp> {
  const root = path.resolve(options.recordingsDir);
  const server = http.createServer((req, res) => {
    void route(req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else
        send(
          res,
          500,
          "text/plain",
          `internal error: ${error instanceof Error ? error.message : String(error)}\n`,
        );
    });
  });

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" }).end("method not allowed\n");
      return;
    }
    const pathname = (req.url ?? "/").split("?")[0] ?? "/";
    if (pathname === "/healthz") return json(res, { ok: true, service: "recorder", ...options.health?.() });
    if (pathname.startsWith("/recordings") && !authorized(req)) {
      // RFC 6750 §3: "the resource server MUST include the HTTP "WWW-Authenticate" response header field".
      res
        .writeHead(401, { "www-authenticate": 'Bearer realm="recordings"', "content-type": "text/plain" })
        .end("the recordings need a token: Authorization: Bearer <RECORDER_HTTP_TOKEN>\n");
      return;
    }
    if (pathname === "/recordings" || pathname === "/recordings/") {
      const list = await listRecordings(root);
      return json(
        res,
        list.map((r) => ({
          ...r,
          download: `/recordings/${encodeURIComponent(path.basename(r.wavFile))}`,
        })),
      );
    }
    if (pathname === "/metrics" && options.metrics !== undefined) {
      const metrics = await options.metrics();
      return send(res, 200, metrics.contentType, metrics.body);
    }
    if (pathname.startsWith("/recordings/"))
      return serveFile(pathname.slice("/recordings/".length), req, res);
    send(res, 404, "text/plain", "not found\n");
  }

  function authorized(req: http.IncomingMessage): boolean {
    if (options.token === undefined) return true;
    const given = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    if (given === undefined) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(options.token);
    // Compared in constant time: a timing difference would give the token away byte by byte.
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /**
   * A recording's WAV or JSON sidecar. Byte ranges (RFC 9110 §14) let a browser's <audio> seek
   * without downloading what lies before, and the SIP Server's proxy passes them through.
   */
  async function serveFile(
    encoded: string,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<void> {
    let name: string;
    try {
      name = decodeURIComponent(encoded);
    } catch {
      return send(res, 400, "text/plain", "bad file name\n");
    }
    const file = path.resolve(root, name);
    // The pattern already excludes separators and "..", the containment check guards the pattern.
    const kind = FILE_NAME.exec(name)?.[1];
    if (kind === undefined || path.dirname(file) !== root) return send(res, 404, "text/plain", "not found\n");
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(file);
    } catch {
      return send(res, 404, "text/plain", "not found\n");
    }
    if (!stat.isFile()) return send(res, 404, "text/plain", "not found\n");
    const headers = {
      "content-type": kind === "wav" ? "audio/wav" : "application/json",
      "content-disposition": `attachment; filename="${name}"`,
      "accept-ranges": "bytes",
    };
    // HEAD answers with the headers GET would send, range included (RFC 9110 §9.3.2).
    const range = parseByteRange(
      typeof req.headers.range === "string" ? req.headers.range : undefined,
      stat.size,
    );
    if (range.kind === "unsatisfiable") {
      res.writeHead(416, {
        ...headers,
        "content-type": "text/plain",
        "content-range": `bytes */${stat.size}`,
      });
      res.end("range not satisfiable\n");
      return;
    }
    const start = range.kind === "partial" ? range.start : 0;
    const end = range.kind === "partial" ? range.end : stat.size - 1;
    res.writeHead(range.kind === "partial" ? 206 : 200, {
      ...headers,
      "content-length": String(Math.max(0, end - start + 1)),
      ...(range.kind === "partial" ? { "content-range": `bytes ${start}-${end}/${stat.size}` } : {}),
    });
    if (req.method === "HEAD" || stat.size === 0) {
      res.end();
      return;
    }
    const stream = fs.createReadStream(file, { start, end });
    stream.on("error", () => res.destroy());
    stream.pipe(res);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : options.port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
