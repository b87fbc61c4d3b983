import { EventEmitter, on } from "node:events";
import type { CallRow, LiveCallsFeed } from "../services/calls/call-control-service";
import type { ClusterLink } from "./cluster-link";

/** Even with no change, the set of live calls is sent this often: a mirror that missed a notice heals. */
const LIVE_SET_EVERY_MS = 5_000;

/**
 * The active SIP Server's side: its live calls, as supervisors see them, go to the cluster one
 * call per message when they change (the whole list may not fit in a NOTIFY), and all of them
 * again when a new listener asks.
 */
export class LiveCallsPublisher {
  private readonly sent = new Map<string, string>();
  private readonly abort = new AbortController();

  constructor(
    private readonly link: ClusterLink,
    private readonly local: LiveCallsFeed,
    private readonly report: (where: string, error: unknown) => void,
  ) {}

  start(): void {
    const off = this.link.on((message) => {
      if (message.kind === "live-resync") this.sent.clear();
    });
    const timer = setInterval(() => void this.publishSet(), LIVE_SET_EVERY_MS);
    this.abort.signal.addEventListener("abort", () => {
      off();
      clearInterval(timer);
    });
    void this.run();
  }

  stop(): void {
    this.abort.abort();
  }

  /** Follows the local live calls; a failure (the database answering an error) is counted and the watch starts again. */
  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        for await (const rows of this.local.watch(this.abort.signal)) await this.publishChanges(rows);
      } catch (error) {
        if (this.abort.signal.aborted) return;
        this.report("cluster_live_calls", error);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  private async publishChanges(rows: CallRow[]): Promise<void> {
    const now = new Set(rows.map((row) => row.connId));
    for (const connId of [...this.sent.keys()]) {
      if (now.has(connId)) continue;
      this.sent.delete(connId);
      await this.link.publish({ kind: "live-gone", connId });
    }
    for (const row of rows) {
      const json = JSON.stringify(row);
      if (this.sent.get(row.connId) === json) continue;
      this.sent.set(row.connId, json);
      await this.link.publish({ kind: "live-call", call: JSON.parse(json) as Record<string, unknown> });
    }
  }

  private async publishSet(): Promise<void> {
    await this.link.publish({ kind: "live-set", connIds: [...this.sent.keys()] });
  }
}

/**
 * Any instance's view of the active SIP Server's live calls, kept from the cluster's messages:
 * what Live calls shows on either instance of an HA pair. Asks for everything again when it
 * starts and whenever its listening connection was lost.
 */
export class LiveCallsMirror implements LiveCallsFeed {
  private readonly calls = new Map<string, CallRow>();
  private readonly changed = new EventEmitter();

  constructor(private readonly link: ClusterLink) {
    this.changed.setMaxListeners(0);
    link.on((message) => {
      if (message.kind === "live-call") this.calls.set(String(message.call.connId), revive(message.call));
      else if (message.kind === "live-gone") this.calls.delete(message.connId);
      else if (message.kind === "live-set") {
        const live = new Set(message.connIds);
        for (const connId of [...this.calls.keys()]) if (!live.has(connId)) this.calls.delete(connId);
      } else return;
      this.changed.emit("change");
    });
    link.onReconnect(() => void link.publish({ kind: "live-resync" }));
    void link.publish({ kind: "live-resync" });
  }

  /** The calls by their parties' DNs (an agent's request is checked against them). */
  list(): Promise<CallRow[]> {
    return Promise.resolve(this.rows());
  }

  rows(): CallRow[] {
    return [...this.calls.values()].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  }

  async *watch(signal: AbortSignal | undefined): AsyncGenerator<CallRow[]> {
    let last = JSON.stringify(this.rows());
    yield this.rows();
    try {
      for await (const _ of on(this.changed, "change", signal === undefined ? {} : { signal })) {
        // Changes come a call at a time: one snapshot for what arrived together.
        await new Promise((resolve) => setTimeout(resolve, 50));
        const key = JSON.stringify(this.rows());
        if (key === last) continue;
        last = key;
        yield this.rows();
      }
    } catch (error) {
      if (!signal?.aborted) throw error;
    }
  }
}

function revive(call: Record<string, unknown>): CallRow {
  const row = call as unknown as CallRow & { startedAt: string; establishedAt: string | null };
  return {
    ...row,
    startedAt: new Date(row.startedAt),
    establishedAt: row.establishedAt === null ? null : new Date(row.establishedAt),
  };
}
