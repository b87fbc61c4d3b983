import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import path from "node:path";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import next from "next";
import { appRouter } from "../trpc/root";
import type { ServerEnv } from "../env";
import { type ContextDeps, createTrpcContext } from "./create-trpc-context";

type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

export type HttpServer = {
  /** Created, not yet listening: the SIP Server attaches SIP over WebSocket to it first. */
  server: http.Server;
  url: string;
  /** Serves the UI, tRPC and /healthz with everything the API needs, and only then listens. */
  listen: (deps: ContextDeps) => Promise<void>;
  close: () => Promise<void>;
};

/**
 * One HTTP(S) port for everything a browser or the CLI talks to: the Next.js UI,
 * tRPC at /api/trpc (queries, mutations, SSE subscriptions) and /healthz. Built in two steps so
 * that the server is wired once: the SIP Server needs this server for WebSocket, and the API
 * needs the SIP Server; nothing is served before both exist.
 */
export async function createHttpServer(env: ServerEnv, opts: { rootDir: string }): Promise<HttpServer> {
  const ui = await createUiHandler(env, opts.rootDir);
  const server = env.TLS_CERT
    ? https.createServer({ cert: fs.readFileSync(env.TLS_CERT), key: fs.readFileSync(env.TLS_KEY ?? "") })
    : http.createServer();

  const listen = async (deps: ContextDeps) => {
    const trpc = createHTTPHandler({
      router: appRouter,
      basePath: "/api/trpc/",
      createContext: ({ req, res }) => createTrpcContext(deps, req, res),
    });
    const handler: RequestHandler = (req, res) => {
      const url = req.url ?? "/";
      if (url === "/healthz") {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true }));
        return;
      }
      if (url.startsWith("/api/trpc/")) return trpc(req, res);
      return ui(req, res);
    };
    server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => void handler(req, res));
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
