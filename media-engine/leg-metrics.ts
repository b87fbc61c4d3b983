import type { MediaLeg } from "./control/media-leg";

/** Prometheus text exposition of per-leg counters, labelled by MSML connection id. */
export function renderLegMetrics(legs: readonly MediaLeg[]): string {
  const lines = [
    "# HELP forkline_media_legs Media legs (SIP dialogs with an RTP endpoint) open now.",
    "# TYPE forkline_media_legs gauge",
    `forkline_media_legs ${legs.length}`,
  ];
  const counters: [string, string, (leg: MediaLeg) => number][] = [
    [
      "forkline_leg_packets_in_total",
      "RTP packets received from the party.",
      (l) => l.endpoint.stats.packetsIn,
    ],
    ["forkline_leg_bytes_in_total", "RTP bytes received from the party.", (l) => l.endpoint.stats.bytesIn],
    ["forkline_leg_packets_out_total", "RTP packets sent to the party.", (l) => l.endpoint.stats.packetsOut],
    ["forkline_leg_bytes_out_total", "RTP bytes sent to the party.", (l) => l.endpoint.stats.bytesOut],
    [
      "forkline_leg_packets_lost_total",
      "Packets lost from the party (RFC 3550 A.3).",
      (l) => l.endpoint.stats.lost,
    ],
  ];
  for (const [name, help, read] of counters) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
    for (const leg of legs) lines.push(`${name}{conn="${leg.connId}"} ${read(leg)}`);
  }
  lines.push(
    "# HELP forkline_leg_jitter_ms Interarrival jitter of the party's RTP (RFC 3550 A.8).",
    "# TYPE forkline_leg_jitter_ms gauge",
  );
  for (const leg of legs)
    lines.push(`forkline_leg_jitter_ms{conn="${leg.connId}"} ${leg.endpoint.stats.jitterMs.toFixed(3)}`);
  lines.push(
    "# HELP forkline_leg_dtmf_keys_total DTMF key presses received from the party (RFC 4733); never the digits.",
    "# TYPE forkline_leg_dtmf_keys_total counter",
  );
  for (const leg of legs) {
    const keys = leg.endpoint.stats.dtmfKeys;
    if (keys !== undefined) lines.push(`forkline_leg_dtmf_keys_total{conn="${leg.connId}"} ${keys}`);
  }
  return `${lines.join("\n")}\n`;
}
