/** A recording as the media engine (the SRC) runs it, across the SIPREC sessions that carry it. */
export enum RecordingState {
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

const EDGES: Record<RecordingState, readonly RecordingState[]> = {
  [RecordingState.Connecting]: [
    RecordingState.Recording,
    RecordingState.Paused,
    RecordingState.Stopped,
    RecordingState.Failed,
  ],
  [RecordingState.Recording]: [
    RecordingState.Paused,
    RecordingState.Interrupted,
    RecordingState.Stopped,
    RecordingState.Failed,
  ],
  // Resumed without a recorder: back to Connecting (none answered yet) or Interrupted (lost).
  [RecordingState.Paused]: [
    RecordingState.Recording,
    RecordingState.Connecting,
    RecordingState.Interrupted,
    RecordingState.Stopped,
    RecordingState.Failed,
  ],
  [RecordingState.Interrupted]: [
    RecordingState.Recording,
    RecordingState.Paused,
    RecordingState.Stopped,
    RecordingState.Failed,
  ],
  [RecordingState.Stopped]: [],
  [RecordingState.Failed]: [],
};

export class IllegalRecordingTransition extends Error {
  constructor(from: RecordingState, to: RecordingState) {
    super(`recording: illegal transition ${from} → ${to}`);
  }
}

export function transitionRecording(from: RecordingState, to: RecordingState): RecordingState {
  if (!EDGES[from].includes(to)) throw new IllegalRecordingTransition(from, to);
  return to;
}

export const isLive = (state: RecordingState): boolean =>
  state === RecordingState.Connecting ||
  state === RecordingState.Recording ||
  state === RecordingState.Paused ||
  state === RecordingState.Interrupted;
