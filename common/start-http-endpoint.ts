import http from "node:http";

export type HttpRoute = (
  req: http.IncomingMessage,
) =>
  | { status: number; contentType: string; body: string }
  | Promise<{ status: number; contentType: string; body: string }>;

/**
 * A small HTTP listener for a child process's own endpoints (health, metrics, listings).
 * Unknown paths get 404 and methods other than GET/HEAD get 405, so probes see clear answers.
 */
export async function startHttpEndpoint(opts: {
  host: string;
  port: number;
  routes: Record<string, HttpRoute>;
}): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const route = opts.routes[path];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" }).end("method not allowed\n");
      return;
    }
    if (!route) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    Promise.resolve(route(req)).then(
      (answer) => res.writeHead(answer.status, { "content-type": answer.contentType }).end(answer.body),
      (error: unknown) =>
        res
          .writeHead(500, { "content-type": "text/plain" })
          .end(`internal error: ${error instanceof Error ? error.message : String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : opts.port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const jsonAnswer = (value: unknown, status = 200) => ({
  status,
  contentType: "application/json",
  body: `${JSON.stringify(value)}\n`,
});
