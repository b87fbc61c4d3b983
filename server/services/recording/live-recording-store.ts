import type { CallSide } from "../../../common/schemas/recording-schemas";
import type { RecordingTrigger } from "./recording-history-service";
import type { RecordingState } from "./recording-session-state";

/** A recording the server is running now: one side of one call, to one recorder (or copy). */
export interface LiveRecording {
  readonly id: string;
  readonly connId: string;
  readonly callSide: CallSide;
  readonly trigger: RecordingTrigger;
  /** Who asked for it (RecordingSession.requestedBy): "user:dana", "cti:1003", "full_time_dn:1001"… */
  readonly requestedBy: string;
  dialogId?: string;
  state: RecordingState;
  /** Paused by request; stays true while interrupted, so a continuation starts paused. */
  paused: boolean;
  /** For the second copy of a parallel recording: the primary's id; "" otherwise. */
  readonly copyOf: string;
  /** The recorder that answered (the media engine reports it when the session is up). */
  recorder?: string;
}

/** What the live calls page shows of one side's recording, ended ones included while the call lasts. */
export type CallRecordingView = {
  id: string;
  side: CallSide;
  trigger: RecordingTrigger;
  state: RecordingState;
  /** Paused on request (also while interrupted, when the state says interrupted). */
  paused: boolean;
  recorder: string | null;
  /** Who asked for it (RecordingSession.requestedBy). */
  startedBy: string;
};

/**
 * The live recordings of the calls in progress (in memory: they end with their calls), and for
 * each side of a call whose recording ended, that last recording while the call lasts — so a
 * supervisor sees that a side was recorded and is no more, and the compliance watchdog knows
 * what state a side is in.
 */
export class LiveRecordingStore {
  private readonly live = new Map<string, LiveRecording>();
  private readonly ended = new Map<string, Map<CallSide, LiveRecording>>();

  get(id: string): LiveRecording | undefined {
    return this.live.get(id);
  }

  has(id: string): boolean {
    return this.live.has(id);
  }

  add(recording: LiveRecording): void {
    this.live.set(recording.id, recording);
  }

  /** How many live recordings are in each state (for /metrics). */
  countByState(): Map<RecordingState, number> {
    const counts = new Map<RecordingState, number>();
    for (const r of this.live.values()) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
    return counts;
  }

  /** The live recordings of a call, or of one side of it. */
  of(connId: string, side?: CallSide): LiveRecording[] {
    return [...this.live.values()].filter(
      (r) => r.connId === connId && (side === undefined || r.callSide === side),
    );
  }

  /** The live recordings of any of these calls. */
  ofCalls(connIds: ReadonlySet<string>): LiveRecording[] {
    return [...this.live.values()].filter((r) => connIds.has(r.connId));
  }

  /** A side's state: its live recording's, else its last ended one's while the call lasts. */
  stateOf(connId: string, side: CallSide): RecordingState | undefined {
    return this.of(connId, side)[0]?.state ?? this.ended.get(connId)?.get(side)?.state;
  }

  /** A call's recordings for the live calls page: those not over, and for a side with none the last that ended. */
  viewsFor(connId: string): CallRecordingView[] {
    const current = this.of(connId);
    const over = [...(this.ended.get(connId)?.values() ?? [])].filter(
      (r) => !current.some((c) => c.callSide === r.callSide),
    );
    return [...current, ...over].map(({ id, callSide, trigger, requestedBy, state, paused, recorder }) => ({
      id,
      side: callSide,
      trigger,
      state,
      paused,
      recorder: recorder ?? null,
      startedBy: requestedBy,
    }));
  }

  /**
   * Takes a recording out of the live set in its final state, kept as its side's last one when
   * its call still lasts.
   */
  end(recording: LiveRecording, state: RecordingState, callLasts: boolean): void {
    recording.state = state;
    this.live.delete(recording.id);
    if (!callLasts) return;
    const sides = this.ended.get(recording.connId) ?? new Map<CallSide, LiveRecording>();
    sides.set(recording.callSide, recording);
    this.ended.set(recording.connId, sides);
  }

  /** The call is gone: forgets its ended recordings and returns (and removes) the live ones. */
  forgetCall(connId: string): LiveRecording[] {
    this.ended.delete(connId);
    const left = this.of(connId);
    for (const recording of left) this.live.delete(recording.id);
    return left;
  }
}
