import { Counter, type Registry } from "prom-client";

/** Why a valid API token was refused: past its expiry, or a read-only token asked for a change. */
export type ApiTokenRefusal = "expired" | "read_only";

const counts = new Map<ApiTokenRefusal, number>([
  ["expired", 0],
  ["read_only", 0],
]);

/**
 * Refusals of API tokens are counted, not audited per request: a script retrying with an expired
 * token would otherwise fill the audit log. The count is `forkline_api_token_refusals_total`.
 */
export function countApiTokenRefusal(reason: ApiTokenRefusal): void {
  counts.set(reason, (counts.get(reason) ?? 0) + 1);
}

export function apiTokenRefusalCount(reason: ApiTokenRefusal): number {
  return counts.get(reason) ?? 0;
}

/** Serves the counts on the server's /metrics. */
export function registerApiTokenRefusalMetrics(registry: Registry): void {
  new Counter({
    name: "forkline_api_token_refusals_total",
    help: "Requests refused because of their API token: expired (401) or read-only asking for a change (403).",
    labelNames: ["reason"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, count] of counts) this.inc({ reason }, count);
    },
  });
}
