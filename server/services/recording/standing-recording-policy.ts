import { toCallSide, toRecordSide } from "../../../common/schemas/recording-schemas";
import { RecordingPolicyError } from "../../cti/gsip-record";
import type { Call } from "../../sip/calls/call";
import type { CallSide } from "../../sip/calls/call-controller";
import type { ComplianceWatchdog, RecordingDuty } from "./compliance-watchdog";
import type { LiveRecording, LiveRecordingStore } from "./live-recording-store";
import type { RecordingAnnouncer } from "./recording-announcer";
import type { RecordingHistoryService, RecordingTrigger } from "./recording-history-service";
import type { RecorderFailure } from "./recording-request";
import { RecordingState } from "./recording-session-state";
import type { RecordingSettings } from "./recording-settings";
import type { RecordingStarter } from "./recording-starter";

export interface StandingRecordingPolicyDeps {
  readonly settings: RecordingSettings;
  readonly starter: RecordingStarter;
  readonly announcer: RecordingAnnouncer;
  readonly watchdog: ComplianceWatchdog;
  readonly live: LiveRecordingStore;
  readonly history: RecordingHistoryService;
  readonly agentOnDn: (dn: string) => string | null;
  /** Takes a recording out of the live set in its final state. */
  readonly end: (recording: LiveRecording, state: RecordingState.Stopped) => void;
  readonly raiseAlarm: (alarm: RecorderFailure) => void;
  readonly onError: (error: unknown) => void;
}

/**
 * The recordings nobody asks for mid-call: full-time settings (DN, Agent Login, Trunk) and the
 * routing strategy's `record` key when a call is answered, and the new party's full-time
 * settings after a blind transfer. It keeps each live call's full-time duties, which the
 * compliance watchdog checks.
 */
export class StandingRecordingPolicy {
  /** Full-time duties of live calls (connId → duties), for the watchdog's checks. */
  private readonly duties = new Map<string, RecordingDuty[]>();

  constructor(private readonly deps: StandingRecordingPolicyDeps) {}

  /** A side that must be recorded lost its recorder: the watchdog starts counting. */
  interrupted(connId: string, side: CallSide): void {
    const duty = this.duties.get(connId)?.find((d) => d.side === side);
    if (duty !== undefined) this.deps.watchdog.interrupted(duty);
  }

  /** Full-time settings and the routing strategy's `record` key, when a call is answered. */
  async answered(call: Call): Promise<void> {
    const route = call.routeExtensions.record;
    const disabled = new Set<CallSide>();
    if (route === "disable_source") disabled.add("caller");
    if (route === "disable_destination") disabled.add("callee");
    for (const callSide of ["caller", "callee"] as const) {
      const party = callSide === "caller" ? call.caller.party : call.callee?.party;
      if (party === undefined || disabled.has(callSide)) continue;
      const trigger = await this.deps.settings.fullTimeTrigger(party);
      if (trigger === undefined) continue;
      const duty: RecordingDuty = {
        connId: call.connId,
        side: callSide,
        trigger,
        dn: party.dn,
        agentId: party.kind === "extension" ? this.deps.agentOnDn(party.dn) : null,
      };
      this.duties.set(call.connId, [...(this.duties.get(call.connId) ?? []), duty]);
      this.deps.watchdog.answered(duty);
      // The watchdog names the call, the DN and the policy within 3 s: no second alarm here.
      await this.startFor(call, callSide, trigger, `${trigger}:${party.dn}`, { alarm: false });
    }
    if (route === "source" || route === "destination") {
      await this.deps.starter
        .start(call, toCallSide(route), "route", {
          connId: call.connId,
          side: route,
          by: "route",
          params: call.routeExtensions,
        })
        .then((r) => this.deps.announcer.announce(call, r, "start", "route"))
        .catch((error: unknown) => this.startFailed(call, error, { alarm: true }));
    }
  }

  /**
   * Blind transfer: recordings of the side that left end with its leg (the media engine closes
   * them), recordings of the other side go on, and the new party's own full-time settings apply.
   */
  async partyChanged(call: Call, side: CallSide): Promise<void> {
    for (const recording of this.deps.live.of(call.connId, side)) {
      this.deps.end(recording, RecordingState.Stopped);
      await this.deps.history
        .move(recording.id, RecordingState.Stopped, { by: "call", reason: "party left (transfer)" })
        .catch(this.deps.onError);
      this.deps.announcer.announce(call, recording, "stop", "party left (transfer)");
    }
    const party = side === "caller" ? call.caller.party : call.callee?.party;
    if (party === undefined) return;
    const trigger = await this.deps.settings.fullTimeTrigger(party);
    if (trigger === undefined) return;
    await this.startFor(call, side, trigger, `${trigger}:${party.dn}`, { alarm: true });
  }

  /** The call is gone: its duties and the watchdog's timers for it go. */
  released(connId: string): void {
    this.duties.delete(connId);
    this.deps.watchdog.callEnded(connId);
  }

  private startFor(
    call: Call,
    side: CallSide,
    trigger: RecordingTrigger,
    by: string,
    opts: { alarm: boolean },
  ): Promise<void> {
    return this.deps.starter
      .start(call, side, trigger, { connId: call.connId, side: toRecordSide(side), by })
      .then((r) => this.deps.announcer.announce(call, r, "start", trigger))
      .catch((error: unknown) => this.startFailed(call, error, opts));
  }

  private startFailed(call: Call, error: unknown, opts: { alarm: boolean }): void {
    if (!(error instanceof RecordingPolicyError)) {
      this.deps.onError(error);
      return;
    }
    if (opts.alarm) this.deps.raiseAlarm({ connId: call.connId, reason: error.message });
    this.deps.announcer.startFailed(call, error);
  }
}
