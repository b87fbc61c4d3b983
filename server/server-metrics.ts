import { Gauge, type Registry } from "prom-client";
import { RecordingState } from "../common/schemas/recording-schemas";

/** What the server's /metrics reads, at scrape time. */
export type ServerMetricsSource = {
  /** Calls the B2BUA holds now (ringing or established). */
  calls(): number;
  /** Addresses of record with at least one live registration. */
  registeredAors(): number;
  media: { status(): { uri: string; healthy: boolean; openLegs: number }[] };
  liveRecordings(): Map<RecordingState, number>;
};

/**
 * The SIP Server's own gauges, beside the contained-errors counter and prom-client's process
 * metrics: what an operator watches to see the centre working — calls, phones registered, media
 * engines up, recordings by state (a rise of `interrupted` is a recorder in trouble).
 */
export function registerServerMetrics(registry: Registry, source: ServerMetricsSource): void {
  const registers = [registry];
  new Gauge({
    name: "forkline_calls",
    help: "Calls the SIP Server holds now (ringing or established).",
    registers,
    collect() {
      this.set(source.calls());
    },
  });
  new Gauge({
    name: "forkline_sip_registered_aors",
    help: "Addresses of record (DNs) with at least one live registration.",
    registers,
    collect() {
      this.set(source.registeredAors());
    },
  });
  new Gauge({
    name: "forkline_media_engine_up",
    help: "1 while a media engine answers its keep-alives, 0 while it does not.",
    labelNames: ["engine"],
    registers,
    collect() {
      this.reset();
      for (const engine of source.media.status()) this.set({ engine: engine.uri }, engine.healthy ? 1 : 0);
    },
  });
  new Gauge({
    name: "forkline_media_engine_legs",
    help: "Media legs the SIP Server has open on each media engine.",
    labelNames: ["engine"],
    registers,
    collect() {
      this.reset();
      for (const engine of source.media.status()) this.set({ engine: engine.uri }, engine.openLegs);
    },
  });
  new Gauge({
    name: "forkline_recordings",
    help: "Recordings of the calls in progress, by state.",
    labelNames: ["state"],
    registers,
    collect() {
      const counts = source.liveRecordings();
      // Every state is a series, zero included: an alert on interrupted > 0 needs the series to exist.
      for (const state of Object.values(RecordingState)) {
        if (state === RecordingState.Stopped || state === RecordingState.Failed) continue;
        this.set({ state }, counts.get(state) ?? 0);
      }
    },
  });
}
