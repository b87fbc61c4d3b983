import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { quietFor } from "../../../common/test-support/waiting";
import type { CallView } from "../../sip/calls/call-controller";
import { CallState } from "../../sip/calls/call";
import { createTestDb } from "../../test-support/test-db";
import type { Db } from "../db";
import { noLiveRecordings } from "../../test-support/no-calls";
import { listCalls, watchCalls } from "./call-control-service";

let db: Db;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ db, cleanup } = await createTestDb());
  await db.dn.create({ data: { number: "1001", type: "extension", displayName: "Desk 1" } });
  await db.dn.create({ data: { number: "pstn", type: "trunk", displayName: "PSTN" } });
  await db.agentLogin.create({ data: { loginCode: "5001", name: "Alice" } });
});
afterEach(() => cleanup());

const view = (connId: string, state: CallState): CallView => ({
  connId,
  state,
  caller: { kind: "trunk", dn: "pstn", number: "+33123456789" },
  callee: { kind: "extension", dn: "1001", number: "1001" },
  dialed: "1001",
  startedAt: new Date(Date.UTC(2026, 10, 25, 9, 0, 0)),
  establishedAt: null,
});

describe("live calls for supervisors", () => {
  it("names parties by their DN's display name and the agent logged in on the extension", async () => {
    const rows = await listCalls({
      db,
      live: { list: () => [view("c1", CallState.Established)] },
      recordings: noLiveRecordings,
      agentOnDn: (dn) => (dn === "1001" ? "5001" : null),
    });
    expect(rows[0]).toMatchObject({
      caller: { number: "+33123456789", dn: "pstn", kind: "trunk", name: "PSTN", agent: null },
      callee: { number: "1001", name: "Desk 1", agent: { id: "5001", name: "Alice" } },
      recordings: [],
    });
  });

  it("pushes a snapshot at once, again when a change is signalled, and never the same one twice", async () => {
    let calls: CallView[] = [];
    let notify: () => void = () => undefined;
    const abort = new AbortController();
    const stream = watchCalls(
      {
        db,
        live: { list: () => calls },
        recordings: noLiveRecordings,
        agentOnDn: () => null,
        onChange: (listener) => {
          notify = listener;
          return () => (notify = () => undefined);
        },
      },
      abort.signal,
    );
    expect((await stream.next()).value).toEqual([]);
    calls = [view("c1", CallState.Alerting)];
    notify();
    expect((await stream.next()).value).toMatchObject([{ connId: "c1", state: "alerting" }]);
    // Unchanged snapshots are not sent: the next value is the next change.
    void quietFor(1200, "no unchanged snapshot is sent in the meantime").then(() => {
      calls = [view("c1", CallState.Established)];
    });
    expect((await stream.next()).value).toMatchObject([{ state: "established" }]);
    abort.abort();
    expect((await stream.next()).done).toBe(true);
  });
});
