import type http from "node:http";
import type { Registry } from "prom-client";
import { AllowList } from "../../common/allowed-sources";

/**
 * The server's Prometheus `/metrics` on the web port. The web port faces browsers and often the
 * internet, and the figures tell an outsider how busy the centre is and which engines are down:
 * served only to the scraper's addresses (METRICS_ALLOWED_SOURCES, loopback by default), 403 to
 * anyone else, with no cookie or token to leak into a Prometheus configuration.
 */
export function metricsEndpoint(
  registry: Registry,
  allowed: readonly string[],
): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> {
  const list = new AllowList(allowed);
  return async (req, res) => {
    if (!list.has(req.socket.remoteAddress ?? "")) {
      res
        .writeHead(403, { "content-type": "text/plain; charset=utf-8" })
        .end("Metrics are served only to the addresses in METRICS_ALLOWED_SOURCES.\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" }).end("method not allowed\n");
      return;
    }
    const body = await registry.metrics();
    res
      .writeHead(200, { "content-type": registry.contentType })
      .end(req.method === "HEAD" ? undefined : body);
  };
}
