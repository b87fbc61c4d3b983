import { collectDefaultMetrics, Registry } from "prom-client";

/**
 * A process's Prometheus registry: prom-client's default process and Node.js metrics
 * (`process_start_time_seconds`, `process_resident_memory_bytes`, event-loop lag, heap, GC),
 * plus whatever the process's parts register on it. Served at the process's `/metrics`.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** The `/metrics` answer for {@link startHttpEndpoint}-style routes. */
export async function metricsAnswer(
  registry: Registry,
): Promise<{ status: number; contentType: string; body: string }> {
  return { status: 200, contentType: registry.contentType, body: await registry.metrics() };
}
