/** A SIPREC recording session as the media engine (the SRC) runs it. */
export enum RecordingState {
  /** INVITE to a recorder in flight (or failing over to the next one). */
  Connecting = "connecting",
  Recording = "recording",
  /** Forwarding stopped; the recorder was told a=inactive. */
  Paused = "paused",
  Stopped = "stopped",
  /** No recorder took the session, or the recorder ended it. */
  Failed = "failed",
}

const EDGES: Record<RecordingState, readonly RecordingState[]> = {
  [RecordingState.Connecting]: [
    RecordingState.Recording,
    RecordingState.Paused,
    RecordingState.Stopped,
    RecordingState.Failed,
  ],
  [RecordingState.Recording]: [RecordingState.Paused, RecordingState.Stopped, RecordingState.Failed],
  [RecordingState.Paused]: [RecordingState.Recording, RecordingState.Stopped, RecordingState.Failed],
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
  state === RecordingState.Paused;
