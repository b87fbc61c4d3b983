import type { CallRow, LiveCallsFeed } from "../calls/call-control-service";
import type { DashboardService, DashboardSnapshot } from "./dashboard-service";

/** At most one snapshot is computed per this long, however many changes arrive. */
export const MIN_PUSH_INTERVAL_MS = 1_000;
/** With no change heard, the figures are computed again this often (a recording settling after its call). */
export const HEARTBEAT_MS = 5_000;

export type DashboardFeedDeps = {
  service: DashboardService;
  /** The live calls (this instance's SIP Server, or an HA backup's mirror of the active one's). */
  liveCalls: LiveCallsFeed;
  /** Saved alarms changed (on this instance, or on the other one of an HA pair). */
  alarmChanges: (signal: AbortSignal) => AsyncIterable<unknown>;
  minIntervalMs?: number;
  heartbeatMs?: number;
};

/**
 * The dashboard as a stream: a snapshot when the live calls or the alarms change and at least
 * every few seconds, coalesced to at most one computation a second, and never the same snapshot
 * twice.
 */
export async function* watchDashboard(
  deps: DashboardFeedDeps,
  opts: { tzOffsetMinutes: number },
  signal: AbortSignal | undefined,
): AsyncGenerator<DashboardSnapshot> {
  const stop = new AbortController();
  const abort = () => stop.abort();
  signal?.addEventListener("abort", abort);
  let rows: CallRow[] | null = null;
  let wake: (() => void) | undefined;
  let failure: unknown;
  // A change heard while a snapshot is being computed is not lost: the next one starts at once.
  let dirty = false;
  const poke = () => {
    dirty = true;
    wake?.();
  };
  const follow = async (source: AsyncIterable<unknown>, onItem: (item: unknown) => void) => {
    try {
      for await (const item of source) {
        onItem(item);
        poke();
      }
    } catch (error) {
      if (!stop.signal.aborted) {
        failure = error;
        poke();
      }
    }
  };
  void follow(deps.liveCalls.watch(stop.signal), (item) => (rows = item as CallRow[]));
  void follow(deps.alarmChanges(stop.signal), () => {});
  stop.signal.addEventListener("abort", poke);
  try {
    let last = "";
    let lastRun = 0;
    while (!stop.signal.aborted) {
      if (rows === null) rows = await deps.liveCalls.list();
      const wait = lastRun + (deps.minIntervalMs ?? MIN_PUSH_INTERVAL_MS) - Date.now();
      if (wait > 0) await sleep(wait, stop.signal);
      if (stop.signal.aborted) return;
      if (failure !== undefined) throw failure;
      lastRun = Date.now();
      dirty = false;
      const snapshot = await deps.service.snapshot(rows, opts);
      const key = JSON.stringify(snapshot);
      if (key !== last) {
        last = key;
        yield snapshot;
      }
      if (dirty) continue;
      await new Promise<void>((resolve) => {
        const heartbeat = setTimeout(resolve, deps.heartbeatMs ?? HEARTBEAT_MS);
        wake = () => {
          wake = undefined;
          clearTimeout(heartbeat);
          resolve();
        };
      });
    }
  } finally {
    stop.abort();
    signal?.removeEventListener("abort", abort);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}
