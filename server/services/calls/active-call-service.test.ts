import { DialogState } from "../../../sip-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CallSnapshot } from "../../sip/calls/call-snapshot";
import { createTestDb } from "../../test-support/test-db";
import type { Db } from "../db";
import { ActiveCallService } from "./active-call-service";

const dialog = (callId: string) => ({
  id: { callId, localTag: "l", remoteTag: "r" },
  state: DialogState.Confirmed as const,
  local: "<sip:a@127.0.0.1>;tag=l",
  remote: "<sip:b@127.0.0.1>;tag=r",
  localSeq: 1,
  remoteSeq: null,
  remoteTarget: "sip:b@127.0.0.1:5090",
  routeSet: [],
  localContact: "<sip:a@127.0.0.1>",
  secure: false,
  flow: { transport: "UDP" as const, host: "127.0.0.1", port: 5090 },
});
const media = (name: string) => ({
  engineUri: "sip:127.0.0.1:5070",
  connId: `conn:${name}`,
  engineBoot: "boot",
  answer: "v=0\r\n",
  dialog: dialog(`${name}-media`),
});

function snapshot(connId: string, dialed = "1001"): CallSnapshot {
  return {
    version: 1,
    connId,
    callId: `${connId}@test`,
    dialed,
    startedAt: "2026-12-02T10:00:00.000Z",
    establishedAt: "2026-12-02T10:00:02.000Z",
    routeExtensions: {},
    caller: { party: { kind: "trunk", dn: "pstn", number: "+1555" }, dialog: dialog("a"), media: media("a") },
    callee: {
      party: { kind: "extension", dn: "1001", number: "1001" },
      destination: { transport: "UDP", host: "127.0.0.1", port: 5090 },
      dialog: dialog("b"),
      media: media("b"),
    },
  };
}

let db: Db;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ db, cleanup } = await createTestDb());
});
afterEach(() => cleanup());

describe("ActiveCallService (established calls kept for a restart)", () => {
  it("saves, updates and removes a call; writes of one call land in the order made", async () => {
    const store = new ActiveCallService(db);
    // Not awaited one by one: a remove right after a save must not be overtaken by it.
    void store.save(snapshot("c1"));
    void store.save(snapshot("c1", "1002"));
    void store.save(snapshot("c2"));
    await store.remove("c2");
    await store.idle();
    const { snapshots, unreadable } = await store.load();
    expect(unreadable).toEqual([]);
    expect(snapshots.map((s) => [s.connId, s.dialed])).toEqual([["c1", "1002"]]);
    expect(snapshots[0]).toEqual(snapshot("c1", "1002"));
  });

  it("names a saved call it cannot read, and discards it on request", async () => {
    const store = new ActiveCallService(db);
    await store.save(snapshot("good"));
    await db.activeCall.create({ data: { connId: "broken", snapshot: "{not json" } });
    await db.activeCall.create({ data: { connId: "old", snapshot: JSON.stringify({ version: 0 }) } });
    const { snapshots, unreadable } = await store.load();
    expect(snapshots.map((s) => s.connId)).toEqual(["good"]);
    expect(unreadable).toEqual([
      { connId: "broken", problem: "not JSON" },
      { connId: "old", problem: expect.stringContaining("version") },
    ]);
    await store.discard(unreadable.map((u) => u.connId));
    expect((await db.activeCall.findMany()).map((r) => r.connId)).toEqual(["good"]);
  });
});
