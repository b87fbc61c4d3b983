import { transitionFunction, type TransitionTable } from "../../common/state-machine";

/** A recording as the media engine (the SRC) runs it, across the SIPREC sessions that carry it. */
export enum SrcRecordingState {
  /** The first INVITE round is in flight (no recorder has had the recording yet). */
  Connecting = "connecting",
  Recording = "recording",
  /**
   * Forwarding stopped on request; the recorder was told a=inactive. A recording paused while it
   * has no recorder stays here: its continuation is set up a=inactive.
   */
  Paused = "paused",
  /** The recorder in use was lost; forwarding is off while a new SIPREC session is sought. */
  Interrupted = "interrupted",
  Stopped = "stopped",
  /** No recorder took the recording at start, or it ended while interrupted. */
  Failed = "failed",
}

const EDGES: TransitionTable<SrcRecordingState> = {
  [SrcRecordingState.Connecting]: [
    SrcRecordingState.Recording,
    SrcRecordingState.Paused,
    SrcRecordingState.Stopped,
    SrcRecordingState.Failed,
  ],
  [SrcRecordingState.Recording]: [
    SrcRecordingState.Paused,
    SrcRecordingState.Interrupted,
    SrcRecordingState.Stopped,
    SrcRecordingState.Failed,
  ],
  // Resumed without a recorder: back to Connecting (none answered yet) or Interrupted (lost).
  [SrcRecordingState.Paused]: [
    SrcRecordingState.Recording,
    SrcRecordingState.Connecting,
    SrcRecordingState.Interrupted,
    SrcRecordingState.Stopped,
    SrcRecordingState.Failed,
  ],
  [SrcRecordingState.Interrupted]: [
    SrcRecordingState.Recording,
    SrcRecordingState.Paused,
    SrcRecordingState.Stopped,
    SrcRecordingState.Failed,
  ],
  [SrcRecordingState.Stopped]: [],
  [SrcRecordingState.Failed]: [],
};

/** Returns the new state or throws IllegalTransitionError (common/state-machine). */
export const transitionRecording = transitionFunction("recording", EDGES);

export const isLive = (state: SrcRecordingState): boolean =>
  state === SrcRecordingState.Connecting ||
  state === SrcRecordingState.Recording ||
  state === SrcRecordingState.Paused ||
  state === SrcRecordingState.Interrupted;
