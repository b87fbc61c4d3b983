import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AlarmInput } from "../alarms/alarm-service";
import { ComplianceWatchdog, type RecordingDuty } from "./compliance-watchdog";
import { RecordingState } from "./recording-session-state";

const duty: RecordingDuty = {
  connId: "c1",
  side: "callee",
  trigger: "full_time_agent",
  dn: "1001",
  agentId: "5001",
};

describe("ComplianceWatchdog", () => {
  let state: RecordingState | undefined | "gone";
  let alarms: AlarmInput[];
  let watchdog: ComplianceWatchdog;
  beforeEach(() => {
    vi.useFakeTimers();
    state = undefined;
    alarms = [];
    watchdog = new ComplianceWatchdog({ stateOf: () => state, raise: (a) => alarms.push(a) });
  });
  afterEach(() => {
    watchdog.close();
    vi.useRealTimers();
  });

  it("names the call, the DN, the agent and the policy when a must-record side is not recording 3 s after answer", () => {
    watchdog.answered(duty);
    state = RecordingState.Starting;
    vi.advanceTimersByTime(2_999);
    expect(alarms).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(alarms).toEqual([
      {
        kind: "recording_missing",
        subject: "1001",
        connId: "c1",
        message:
          "Call c1: the callee (destination) side (1001, agent 5001) must be recorded (record=true on agent login 5001) but is starting 3 s after the answer.",
      },
    ]);
  });

  it("is quiet when the side records or is paused in time, or the call ended", () => {
    for (const s of [RecordingState.Recording, RecordingState.Paused, "gone"] as const) {
      state = s;
      watchdog.answered(duty);
      vi.advanceTimersByTime(3_000);
    }
    watchdog.answered({ ...duty, connId: "c2" });
    watchdog.callEnded("c2");
    state = undefined;
    vi.advanceTimersByTime(10_000);
    expect(alarms).toEqual([]);
  });

  it("raises when a must-record side stays interrupted past the failover window, not when it recovers", () => {
    state = RecordingState.Interrupted;
    watchdog.interrupted(duty);
    vi.advanceTimersByTime(29_999);
    expect(alarms).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(alarms[0]!.message).toMatch(/has been interrupted for 30 s: no recorder took it over/);
    state = RecordingState.Interrupted;
    watchdog.interrupted({ ...duty, connId: "c3" });
    state = RecordingState.Recording;
    vi.advanceTimersByTime(30_000);
    expect(alarms).toHaveLength(1);
  });
});
