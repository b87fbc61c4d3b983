import type { CallSide } from "../../sip/calls/call-controller";
import { AlarmKind, type AlarmInput } from "../alarms/alarm-service";
import type { RecordingTrigger } from "./recording-history-service";
import { RecordingState } from "./recording-session-state";

/** What a full-time policy demands of one side of one call. */
export interface RecordingDuty {
  readonly connId: string;
  readonly side: CallSide;
  readonly trigger: RecordingTrigger;
  /** The DN of that side, and the agent logged in there, for the alarm's text. */
  readonly dn: string;
  readonly agentId: string | null;
}

export interface ComplianceWatchdogDeps {
  /** The state of the side's current recording; undefined when nothing records it; "gone" when the call ended. */
  stateOf(connId: string, side: CallSide): RecordingState | undefined | "gone";
  raise(alarm: AlarmInput): void;
  /** How long after the answer a must-record side may take to be recording (default 3 s). */
  readonly answerGraceMs?: number;
  /** How long a must-record side may stay interrupted, failing over, before it is an incident (default 30 s). */
  readonly interruptedGraceMs?: number;
}

const POLICY: Partial<Record<RecordingTrigger, (duty: RecordingDuty) => string>> = {
  full_time_dn: (d) => `record=true on extension ${d.dn}`,
  full_time_agent: (d) => `record=true on agent login ${d.agentId ?? "?"}`,
  full_time_trunk: (d) => `record=true on trunk ${d.dn}`,
};

/**
 * "Should be recorded" checks for compliance teams: a side that policy says must be recorded
 * (full time on the extension, the agent login or the trunk) and that is not recording or
 * paused 3 s after the answer, or stays interrupted past the failover window, raises an alarm
 * that names the call, the DN or agent, and the policy. The recording path reports its own
 * failures; this catches whatever slipped through, whatever the cause.
 */
export class ComplianceWatchdog {
  private readonly timers = new Map<string, Set<NodeJS.Timeout>>();

  constructor(private readonly deps: ComplianceWatchdogDeps) {}

  /** The call was answered and policy says `duty.side` must be recorded. */
  answered(duty: RecordingDuty): void {
    this.after(duty.connId, this.deps.answerGraceMs ?? 3_000, () => {
      const state = this.deps.stateOf(duty.connId, duty.side);
      if (state === "gone" || state === RecordingState.Recording || state === RecordingState.Paused) return;
      this.alarm(
        duty,
        `is ${state ?? "not recorded"} ${(this.deps.answerGraceMs ?? 3_000) / 1000} s after the answer`,
      );
    });
  }

  /** A must-record side lost its recorder: it has the failover window to record again. */
  interrupted(duty: RecordingDuty): void {
    const grace = this.deps.interruptedGraceMs ?? 30_000;
    this.after(duty.connId, grace, () => {
      if (this.deps.stateOf(duty.connId, duty.side) !== RecordingState.Interrupted) return;
      this.alarm(duty, `has been interrupted for ${grace / 1000} s: no recorder took it over`);
    });
  }

  callEnded(connId: string): void {
    for (const timer of this.timers.get(connId) ?? []) clearTimeout(timer);
    this.timers.delete(connId);
  }

  close(): void {
    for (const connId of [...this.timers.keys()]) this.callEnded(connId);
  }

  private after(connId: string, ms: number, check: () => void): void {
    const set = this.timers.get(connId) ?? new Set<NodeJS.Timeout>();
    const timer = setTimeout(() => {
      set.delete(timer);
      check();
    }, ms);
    timer.unref();
    set.add(timer);
    this.timers.set(connId, set);
  }

  private alarm(duty: RecordingDuty, what: string): void {
    const side = duty.side === "caller" ? "caller (source)" : "callee (destination)";
    const who = `${duty.dn}${duty.agentId === null ? "" : `, agent ${duty.agentId}`}`;
    const policy = POLICY[duty.trigger]?.(duty) ?? duty.trigger;
    this.deps.raise({
      kind: AlarmKind.RecordingMissing,
      subject: duty.dn,
      connId: duty.connId,
      message: `Call ${duty.connId}: the ${side} side (${who}) must be recorded (${policy}) but ${what}.`,
    });
  }
}
