import { Counter, Gauge, type Registry } from "prom-client";
import type { MediaLeg } from "./control/media-leg";

/** What the engine's /metrics reads, at scrape time. */
export type EngineMetricsSource = {
  allLegs(): readonly MediaLeg[];
  readonly bootId: string;
  /** Requests refused before anything was opened, by reason. */
  readonly refused: { source: number; rate: number; auth: number };
  /** Legs released without BYE because the SIP Server that opened them restarted. */
  readonly orphansReleased: number;
  /** The RTP port range: ports held now and in all. */
  readonly rtpPorts: { inUse: number; capacity: number };
};

type LegReading = (leg: MediaLeg) => number | undefined;

/**
 * The media engine's own metrics, read from the engine when Prometheus scrapes: per-leg
 * counters labelled by MSML connection id (a leg's series go away with the leg), the refusals
 * of the source gate, orphan legs released, and the boot id the SIP Server watches.
 */
export function registerEngineMetrics(registry: Registry, engine: EngineMetricsSource): void {
  const registers = [registry];
  new Gauge({
    name: "forkline_media_legs",
    help: "Media legs (SIP dialogs with an RTP endpoint) open now.",
    registers,
    collect() {
      this.set(engine.allLegs().length);
    },
  });
  new Gauge({
    name: "forkline_media_rtp_ports_in_use",
    help: "RTP ports held by legs and recording streams (2 for a stream with its own RTCP port, 1 when RTCP is multiplexed).",
    registers,
    collect() {
      this.set(engine.rtpPorts.inUse);
    },
  });
  new Gauge({
    name: "forkline_media_rtp_ports",
    help: "RTP ports of the engine's range (plain RTP and browsers' ICE sockets draw from it alike).",
    registers,
    collect() {
      this.set(engine.rtpPorts.capacity);
    },
  });
  const perLeg = (kind: "counter" | "gauge", name: string, help: string, read: LegReading) => {
    const collect = function (this: Counter<"conn"> | Gauge<"conn">) {
      // Counters cannot be set: the series are rebuilt from the legs' own totals at each scrape.
      this.reset();
      for (const leg of engine.allLegs()) {
        const value = read(leg);
        if (value === undefined) continue;
        if (this instanceof Gauge) this.set({ conn: leg.connId }, value);
        else this.inc({ conn: leg.connId }, value);
      }
    };
    if (kind === "counter") new Counter({ name, help, labelNames: ["conn"], registers, collect });
    else new Gauge({ name, help, labelNames: ["conn"], registers, collect });
  };
  const stats = (leg: MediaLeg) => leg.endpoint.stats;
  perLeg(
    "counter",
    "forkline_leg_packets_in_total",
    "RTP packets received from the party.",
    (l) => stats(l).packetsIn,
  );
  perLeg(
    "counter",
    "forkline_leg_bytes_in_total",
    "RTP bytes received from the party.",
    (l) => stats(l).bytesIn,
  );
  perLeg(
    "counter",
    "forkline_leg_packets_out_total",
    "RTP packets sent to the party.",
    (l) => stats(l).packetsOut,
  );
  perLeg("counter", "forkline_leg_bytes_out_total", "RTP bytes sent to the party.", (l) => stats(l).bytesOut);
  perLeg(
    "counter",
    "forkline_leg_packets_lost_total",
    "Packets lost from the party (RFC 3550 A.3).",
    (l) => stats(l).lost,
  );
  perLeg(
    "gauge",
    "forkline_leg_jitter_ms",
    "Interarrival jitter of the party's RTP (RFC 3550 A.8).",
    (l) => stats(l).jitterMs,
  );
  perLeg(
    "counter",
    "forkline_leg_dtmf_keys_total",
    "DTMF key presses received from the party (RFC 4733); never the digits.",
    (l) => stats(l).dtmfKeys,
  );
  new Counter({
    name: "forkline_media_engine_refused_requests_total",
    help: "Requests refused before anything was opened: from a source not allowed (403), over a source's INVITE rate (503), or not signed with the shared secret (403).",
    labelNames: ["reason"],
    registers,
    collect() {
      this.reset();
      this.inc({ reason: "source" }, engine.refused.source);
      this.inc({ reason: "rate" }, engine.refused.rate);
      this.inc({ reason: "auth" }, engine.refused.auth);
    },
  });
  new Counter({
    name: "forkline_orphan_legs_released_total",
    help: "Legs released without BYE because the SIP Server that opened them restarted and did not claim them.",
    registers,
    collect() {
      this.reset();
      this.inc(engine.orphansReleased);
    },
  });
  new Gauge({
    name: "forkline_media_engine_boot_info",
    help: "The random id this engine process drew at start (X-Forkline-Boot).",
    labelNames: ["boot"],
    registers,
    collect() {
      this.reset();
      this.set({ boot: engine.bootId }, 1);
    },
  });
}
