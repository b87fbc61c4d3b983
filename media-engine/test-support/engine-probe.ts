/** What a test reads of a running media engine over HTTP: health and Prometheus metrics. */
export async function engineMetrics(httpPort: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${httpPort}/metrics`);
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return response.text();
}

export async function engineHealth(httpPort: number): Promise<{ ok: boolean; legs: number; boot?: string }> {
  const response = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
  return (await response.json()) as { ok: boolean; legs: number; boot?: string };
}

/** forkline_contained_errors_total by `where` label. */
export function containedErrors(metrics: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const match of metrics.matchAll(/^forkline_contained_errors_total\{where="([^"]*)"\} (\d+)$/gm))
    counts[match[1]!] = Number(match[2]);
  return counts;
}

/** What must never be counted: an error that escaped every handler and reached the process guard. */
export function escapedErrors(metrics: string): Record<string, number> {
  const counts = containedErrors(metrics);
  return Object.fromEntries(
    Object.entries(counts).filter(
      ([where]) => where === "unhandled_rejection" || where === "uncaught_exception",
    ),
  );
}
