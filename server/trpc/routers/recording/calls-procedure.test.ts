import { TRPCError } from "@trpc/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../../../services/db";
import { RecordingHistoryService } from "../../../services/recording/recording-history-service";
import { RecordingState } from "../../../services/recording/recording-session-state";
import { createDemoDb } from "../../../test-support/demo-db";
import { callerFor, testActor } from "../../../test-support/test-caller";

let db: Db;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ db, cleanup } = await createDemoDb());
  const history = new RecordingHistoryService(db);
  for (const [connId, agentId] of [
    ["call-1", "5001"],
    ["call-2", "5002"],
    ["call-3", "5001"],
  ] as const) {
    await history.open({
      id: `${connId}-agent`,
      callId: `sip-${connId}`,
      connId,
      side: "destination",
      trigger: "private_service",
      requestedBy: "user:supervisor",
      params: {},
      dn: "1003",
      agentId,
      parties: { callerNumber: "+15550100", callerDn: "pstn", calleeNumber: "1003", calleeDn: "1003" },
    });
    await history.move(`${connId}-agent`, RecordingState.Recording, { by: "media-engine" });
  }
});
afterEach(() => cleanup());

async function trpcCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
  return "OK";
}

describe("recording.calls", () => {
  it("is for supervisors and admins only", async () => {
    expect(await trpcCode(callerFor(db, null).caller.recording.calls({}))).toBe("UNAUTHORIZED");
    expect(await trpcCode(callerFor(db, testActor("agent")).caller.recording.calls({}))).toBe("FORBIDDEN");
    expect(await trpcCode(callerFor(db, testActor("admin")).caller.recording.calls({}))).toBe("OK");
  });

  it("pages the calls found by agent name, each with its sessions and the start named", async () => {
    const { caller } = callerFor(db, testActor("supervisor"));
    const first = await caller.recording.calls({ agent: "alice", limit: 1 });
    expect(first.calls.map((c) => c.connId)).toEqual(["call-3"]);
    expect(first.calls[0]!.sessions[0]!.startedBy).toBe("Supervisor start by supervisor (supervisor)");
    expect(first.calls[0]!.agents).toEqual([{ login: "5001", name: "Alice", username: "agent" }]);
    const second = await caller.recording.calls({ agent: "alice", limit: 1, cursor: first.nextCursor! });
    expect(second.calls.map((c) => c.connId)).toEqual(["call-1"]);
    expect(second.nextCursor).toBeNull();
  });

  it("refuses filters that cannot match with the reason, and a cursor it did not give", async () => {
    const { caller } = callerFor(db, testActor("supervisor"));
    await expect(caller.recording.calls({ minDurationSeconds: 60, maxDurationSeconds: 10 })).rejects.toThrow(
      /shortest duration is longer than the longest/,
    );
    await expect(
      caller.recording.calls({ from: new Date("2026-12-03"), to: new Date("2026-12-01") }),
    ).rejects.toThrow(/ends before it starts/);
    expect(await trpcCode(caller.recording.calls({ cursor: "nonsense" }))).toBe("BAD_REQUEST");
    expect(await trpcCode(caller.recording.calls({ limit: 1000 }))).toBe("BAD_REQUEST");
  });
});
