import { zCallSnapshot, type CallSnapshot } from "../../sip/calls/call-snapshot";
import type { CallStore, UnreadableCall } from "../../sip/calls/call-store";
import type { Db } from "../db";

/** The established calls in the ActiveCall table (see CallStore). */
export class ActiveCallService implements CallStore {
  /** The last write of each call: the next one waits for it, so a save never lands after the remove. */
  private readonly lanes = new Map<string, Promise<void>>();

  constructor(private readonly db: Db) {}

  save(snapshot: CallSnapshot): Promise<void> {
    const json = JSON.stringify(snapshot);
    return this.inLane(snapshot.connId, async () => {
      await this.db.activeCall.upsert({
        where: { connId: snapshot.connId },
        create: { connId: snapshot.connId, snapshot: json },
        update: { snapshot: json },
      });
    });
  }

  remove(connId: string): Promise<void> {
    return this.inLane(connId, async () => {
      await this.db.activeCall.deleteMany({ where: { connId } });
    });
  }

  async load(): Promise<{ snapshots: CallSnapshot[]; unreadable: UnreadableCall[] }> {
    const rows = await this.db.activeCall.findMany({ orderBy: { connId: "asc" } });
    const snapshots: CallSnapshot[] = [];
    const unreadable: UnreadableCall[] = [];
    for (const row of rows) {
      let json: unknown;
      try {
        json = JSON.parse(row.snapshot);
      } catch {
        unreadable.push({ connId: row.connId, problem: "not JSON" });
        continue;
      }
      const parsed = zCallSnapshot.safeParse(json);
      if (parsed.success) snapshots.push(parsed.data);
      else
        unreadable.push({
          connId: row.connId,
          problem: parsed.error.issues
            .map((i) => `${i.path.join(".") || "snapshot"}: ${i.message}`)
            .join("; "),
        });
    }
    return { snapshots, unreadable };
  }

  async discard(connIds: readonly string[]): Promise<void> {
    if (connIds.length > 0) await this.db.activeCall.deleteMany({ where: { connId: { in: [...connIds] } } });
  }

  /** Resolves once every write started so far is done (shutdown, tests). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.lanes.values()]);
  }

  private inLane(connId: string, write: () => Promise<void>): Promise<void> {
    const previous = this.lanes.get(connId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(write);
    this.lanes.set(connId, next);
    const forget = () => {
      if (this.lanes.get(connId) === next) this.lanes.delete(connId);
    };
    next.then(forget, forget);
    return next;
  }
}
