import { EventEmitter, on } from "node:events";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { createDemoDb } from "../../test-support/demo-db";
import { ChangeNotifier } from "../change-notifier";
import type { CallRow, LiveCallsFeed } from "../calls/call-control-service";
import type { Db } from "../db";
import { watchDashboard } from "./dashboard-feed";
import { DashboardService, type DashboardSnapshot } from "./dashboard-service";

let db: Db;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ db, cleanup } = await createDemoDb());
});
afterEach(() => cleanup());

/** A live-calls feed the test drives: each set() is a snapshot, as the SIP Server's or the HA mirror's. */
function drivenFeed() {
  let rows: CallRow[] = [];
  const changed = new EventEmitter();
  const feed: LiveCallsFeed = {
    list: () => Promise.resolve(rows),
    async *watch(signal) {
      yield rows;
      for await (const _ of on(changed, "change", signal === undefined ? {} : { signal })) yield rows;
    },
  };
  return {
    feed,
    set(next: CallRow[]) {
      rows = next;
      changed.emit("change");
    },
  };
}

const call = (connId: string, paused: boolean): CallRow => ({
  connId,
  state: "established",
  caller: { number: "1002", dn: "1002", kind: "extension", name: "", agent: null },
  callee: { number: "1003", dn: "1003", kind: "extension", name: "", agent: null },
  dialed: "1003",
  startedAt: new Date(),
  establishedAt: new Date(),
  recordings: [
    {
      id: `${connId}-r`,
      side: "destination",
      trigger: "route",
      startedBy: "route",
      state: paused ? "paused" : "recording",
      paused,
      recorder: null,
    },
  ],
});

it("pushes a snapshot when the live calls or the alarms change, at most once per interval, never the same twice", async () => {
  const live = drivenFeed();
  const alarms = new ChangeNotifier<void>();
  const service = new DashboardService({ db, engineUris: [], engineStatus: () => null });
  const computed = vi.spyOn(service, "snapshot");
  const stop = new AbortController();
  const got: DashboardSnapshot[] = [];
  const run = (async () => {
    for await (const snap of watchDashboard(
      {
        service,
        liveCalls: live.feed,
        alarmChanges: (s) => alarms.changes(s),
        minIntervalMs: 300,
        heartbeatMs: 60_000,
      },
      { tzOffsetMinutes: 0 },
      stop.signal,
    ))
      got.push(snap);
  })();
  try {
    await vi.waitFor(() => expect(got).toHaveLength(1));
    expect(got[0]!.live.calls).toBe(0);

    // Ten changes in a burst: one or two computations, and the last state wins.
    const before = computed.mock.calls.length;
    for (let i = 0; i < 10; i++) live.set([call("a", i % 2 === 1)]);
    await vi.waitFor(() => expect(got.at(-1)!.live).toMatchObject({ calls: 1, pausedSides: 1 }));
    expect(computed.mock.calls.length - before).toBeLessThanOrEqual(2);
    const pushed = got.length;

    // An alarm saved (here: a recorder failure) is a change too.
    await db.alarm.create({
      data: { kind: "recorder_failed", subject: "sip:127.0.0.1:5080", message: "skipped", connId: "a" },
    });
    alarms.emitChange();
    await vi.waitFor(() => expect(got.at(-1)!.health.recorders[0]!.status).toBe("down"));

    // Nothing new: computed again, but not pushed again.
    const counted = computed.mock.calls.length;
    alarms.emitChange();
    await vi.waitFor(() => expect(computed.mock.calls.length).toBeGreaterThan(counted));
    expect(got.length).toBe(pushed + 1);
  } finally {
    stop.abort();
    await run;
  }
});
