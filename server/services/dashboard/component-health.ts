/** A failure alarm this recent (raised or raised again) says the component is failing now. */
export const RECENT_FAILURE_MS = 60_000;

export type HealthStatus = "up" | "degraded" | "down" | "disabled";

export type ComponentHealth = {
  /** The recorder's name, or the media engine's URI. */
  name: string;
  uri: string;
  status: HealthStatus;
  /** Why, in words ("" when up). */
  detail: string;
};

export type HealthAlarm = {
  kind: string;
  subject: string;
  message: string;
  lastRaisedAt: Date;
  acknowledgedAt: Date | null;
};

/** What this instance's media engine pool says of each engine; null where no pool runs (an HA backup). */
export type EngineStatus = { uri: string; healthy: boolean }[] | null;

const ENGINE_KINDS = new Set(["media_engine_lost", "media_engine_unreachable"]);

function latest(alarms: readonly HealthAlarm[]): HealthAlarm | undefined {
  return alarms.reduce<HealthAlarm | undefined>(
    (best, a) => (best === undefined || a.lastRaisedAt > best.lastRaisedAt ? a : best),
    undefined,
  );
}

/**
 * Each configured media engine, from the sources its alarms come from: the pool's keep-alives
 * and heartbeats where this instance serves SIP (not answering: down; answering with an
 * unacknowledged media_engine_lost incident: degraded), else the alarms alone (an incident
 * raised within the last minute: down; an older unacknowledged one: degraded).
 */
export function engineHealth(
  uris: readonly string[],
  local: EngineStatus,
  alarms: readonly HealthAlarm[],
  now: Date,
): ComponentHealth[] {
  return uris.map((uri) => {
    const incidents = alarms.filter((a) => ENGINE_KINDS.has(a.kind) && a.subject === uri);
    const open = latest(incidents.filter((a) => a.acknowledgedAt === null));
    const pool = local?.find((e) => e.uri === uri);
    if (pool !== undefined && !pool.healthy)
      return { name: uri, uri, status: "down", detail: "not answering its keep-alives" };
    if (pool === undefined) {
      const last = latest(incidents);
      if (last !== undefined && now.getTime() - last.lastRaisedAt.getTime() <= RECENT_FAILURE_MS)
        return { name: uri, uri, status: "down", detail: last.message };
    }
    if (open !== undefined)
      return { name: uri, uri, status: "degraded", detail: `unacknowledged incident: ${open.message}` };
    return { name: uri, uri, status: "up", detail: "" };
  });
}

export type RecorderRow = { name: string; uri: string; enabled: boolean };

/**
 * Each configured recorder, from the recorder_failed alarms (skipped, lost mid-recording, failed,
 * subject = its URI) and the live recordings on it: failing within the last minute and carrying
 * no live recording: down; failing within the last minute while other recordings go on, or with
 * unacknowledged failures: degraded; else up. Disabled recorders are shown as such.
 */
export function recorderHealth(
  recorders: readonly RecorderRow[],
  alarms: readonly HealthAlarm[],
  recordingNowOn: ReadonlyMap<string, number>,
  now: Date,
): ComponentHealth[] {
  return recorders.map(({ name, uri, enabled }) => {
    if (!enabled) return { name, uri, status: "disabled", detail: "disabled in the recorder list" };
    const failures = alarms.filter((a) => a.kind === "recorder_failed" && a.subject === uri);
    const last = latest(failures);
    const carrying = recordingNowOn.get(uri) ?? 0;
    const recent = last !== undefined && now.getTime() - last.lastRaisedAt.getTime() <= RECENT_FAILURE_MS;
    if (recent && carrying === 0) return { name, uri, status: "down", detail: last.message };
    if (recent)
      return {
        name,
        uri,
        status: "degraded",
        detail: `${last.message} (${carrying} recording${carrying === 1 ? "" : "s"} on it now)`,
      };
    const open = failures.filter((a) => a.acknowledgedAt === null);
    if (open.length > 0)
      return {
        name,
        uri,
        status: "degraded",
        detail: `${open.length} unacknowledged failure${open.length === 1 ? "" : "s"}: ${latest(open)!.message}`,
      };
    return { name, uri, status: "up", detail: "" };
  });
}
