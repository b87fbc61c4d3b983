import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import path from "node:path";
import type { Duplex } from "node:stream";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import next from "next";
import { SIP_WEBSOCKET_PATH } from "../../common/sip-websocket-path";
import { refuseUpgrade } from "../../sip-core";
import type { Registry } from "prom-client";
import { appRouter } from "../trpc/root";
import type { ServerEnv } from "../env";
import { type ContextDeps, createTrpcContext } from "./create-trpc-context";
import { metricsEndpoint } from "./metrics-endpoint";
import { isRecordingMediaPath, recordingMediaEndpoint } from "./recording-media-endpoint";

type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

/**
 * The largest request body accepted (413 beyond): every API input is a few kilobytes, and an
 * unauthenticated 200 MB POST once took the server from 323 to 823 MB.
 */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

export type ListenOptions = {
  /**
   * False while this instance serves no SIP (an HA backup): SIP WebSocket upgrades are refused
   * with 503, so a softphone tries again (the active instance's address, or this one later).
   */
  servesSip?: () => boolean;
};

export type HttpServer = {
  /** Created, not yet listening: the SIP Server attaches SIP over WebSocket to it first. */
  server: http.Server;
  url: string;
  /** Serves the UI, tRPC, /healthz and /metrics with everything they need, and only then listens. */
  listen: (deps: ContextDeps, metrics: Registry, options?: ListenOptions) => Promise<void>;
  close: () => Promise<void>;
};

/**
 * One HTTP(S) port for everything a browser or the CLI talks to: the Next.js UI,
 * tRPC at /api/trpc (queries, mutations, SSE subscriptions), recordings' audio and metadata at
 * /api/recordings/<id>/… (recording-media-endpoint.ts), /healthz and /metrics. Built in two steps so
 * that the server is wired once: the SIP Server needs this server for WebSocket, and the API
 * needs the SIP Server; nothing is served before both exist.
 */
export async function createHttpServer(env: ServerEnv, opts: { rootDir: string }): Promise<HttpServer> {
  const ui = await createUiHandler(env, opts.rootDir);
  const server = env.TLS_CERT
    ? https.createServer({ cert: fs.readFileSync(env.TLS_CERT), key: fs.readFileSync(env.TLS_KEY ?? "") })
    : http.createServer();

  const listen = async (deps: ContextDeps, metrics: Registry, options: ListenOptions = {}) => {
    const serveMetrics = metricsEndpoint(metrics, env.METRICS_ALLOWED_SOURCES);
    const serveRecordingMedia = recordingMediaEndpoint(deps.db, env);
    const trpc = createHTTPHandler({
      router: appRouter,
      basePath: "/api/trpc/",
      createContext: ({ req, res }) => createTrpcContext(deps, req, res),
      maxBodySize: MAX_REQUEST_BODY_BYTES,
    });
    const handler: RequestHandler = (req, res) => {
      const url = req.url ?? "/";
      const declared = Number(req.headers["content-length"] ?? 0);
      if (declared > MAX_REQUEST_BODY_BYTES) {
        // Refused before a byte of the body is read; the connection closes, so the rest of the
        // body is not waited for either.
        res
          .writeHead(413, { "content-type": "text/plain; charset=utf-8", connection: "close" })
          .end(`Request bodies are limited to ${MAX_REQUEST_BODY_BYTES} bytes.\n`);
        req.destroy();
        return;
      }
      if (url === "/healthz") {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true }));
        return;
      }
      if (url === "/metrics") return serveMetrics(req, res);
      if (url.startsWith("/api/trpc/")) return trpc(req, res);
      if (isRecordingMediaPath(url)) return serveRecordingMedia(req, res);
      return ui(req, res);
    };
    server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => void handler(req, res));
    // The SIP transport takes upgrades on SIP_WEBSOCKET_PATH; every other one is answered here,
    // or it would hang until the client gave up (one leaked socket per request). Next.js's
    // development server keeps its hot-reload socket.
    server.on("upgrade", (req: http.IncomingMessage, socket: Duplex) => {
      const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
      if (pathname === SIP_WEBSOCKET_PATH) {
        if (options.servesSip?.() === false)
          refuseUpgrade(socket, "This server is the backup of an HA pair and serves no SIP now.", 503);
        return;
      }
      if (env.NODE_ENV === "development" && pathname.startsWith("/_next/")) return;
      refuseUpgrade(socket, `No WebSocket service at ${pathname.slice(0, 100)}.`, 404);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(env.HTTP_PORT, env.HTTP_HOST, () => {
        server.off("error", reject);
        resolve();
      });
    });
  };
  const scheme = env.TLS_CERT ? "https" : "http";
  const host = env.HTTP_HOST === "0.0.0.0" ? env.PUBLIC_IP : env.HTTP_HOST;
  return {
    server,
    url: `${scheme}://${host}:${env.HTTP_PORT}`,
    listen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function createUiHandler(env: ServerEnv, rootDir: string): Promise<RequestHandler> {
  const built = fs.existsSync(path.join(rootDir, ".next", "BUILD_ID"));
  if (!built && env.NODE_ENV !== "development") {
    // The API stays usable (CLI, tests) when the UI has not been built yet.
    return (_req, res) => {
      res
        .writeHead(503, { "content-type": "text/plain; charset=utf-8" })
        .end("The web UI is not built yet. Run `npm run build` (npm start does this for you).\n");
    };
  }
  const app = next({
    dev: env.NODE_ENV === "development",
    dir: rootDir,
    hostname: env.HTTP_HOST,
    port: env.HTTP_PORT,
  });
  await app.prepare();
  const handle = app.getRequestHandler();
  return (req, res) => handle(req, res);
}
