/**
 * Prometheus text exposition (version 0.0.4) of what the media engine knows about itself.
 * The relay adds its per-leg counters here when it lands.
 */
export function renderProcessMetrics(startedAt: Date): string {
  const memory = process.memoryUsage();
  const lines = [
    "# HELP process_start_time_seconds Start time of the process since the Unix epoch in seconds.",
    "# TYPE process_start_time_seconds gauge",
    `process_start_time_seconds ${Math.floor(startedAt.getTime() / 1000)}`,
    "# HELP process_resident_memory_bytes Resident memory size in bytes.",
    "# TYPE process_resident_memory_bytes gauge",
    `process_resident_memory_bytes ${memory.rss}`,
    "# HELP nodejs_heap_used_bytes V8 heap in use, in bytes.",
    "# TYPE nodejs_heap_used_bytes gauge",
    `nodejs_heap_used_bytes ${memory.heapUsed}`,
  ];
  return `${lines.join("\n")}\n`;
}
