import {
  IllegalTransitionError,
  isFinalState,
  transitionFunction,
  type TransitionTable,
} from "../../../common/state-machine";
import { RecordingState } from "../../../common/schemas/recording-schemas";

/**
 * Life of one recording session (one side of one call, to one recorder), as the SIP Server
 * tracks it:
 *
 *              start accepted by the media engine
 *   starting ─────────────────────────────────► recording ◄──── resume ───┐
 *      │                                           │  └──── pause ──► paused
 *      │ recorder refused / unreachable            │ stop / call ended    │ stop / call ended
 *      ▼                                           ▼                      ▼
 *    failed ◄──────── recorder hung up ─────── stopped ◄─────────────────┘
 *
 *   recording / paused ── recorder lost ──► interrupted ── continued elsewhere ──► recording / paused
 *
 * `stopped` and `failed` are final. A recorder failure may happen in any live state; the media
 * engine then re-establishes the recording with the next recorder (`interrupted` until it does).
 * Pausing while interrupted is allowed (card numbers do not wait for a recorder): the
 * continuation then starts paused.
 */
export { RecordingState };

const EDGES: TransitionTable<RecordingState> = {
  [RecordingState.Starting]: [RecordingState.Recording, RecordingState.Stopped, RecordingState.Failed],
  [RecordingState.Recording]: [
    RecordingState.Paused,
    RecordingState.Interrupted,
    RecordingState.Stopped,
    RecordingState.Failed,
  ],
  [RecordingState.Paused]: [
    RecordingState.Recording,
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

/** Told to users as it is (a tRPC CONFLICT): a pause of a stopped recording, for example. */
export class RecordingStateError extends IllegalTransitionError {
  override readonly name = "RecordingStateError";
  constructor(from: RecordingState, to: RecordingState) {
    super("recording", from, to, `A recording that is ${from} cannot become ${to}.`);
  }
}

export function isRecordingState(value: string): value is RecordingState {
  return (Object.values(RecordingState) as string[]).includes(value);
}

export function canTransition(from: RecordingState, to: RecordingState): boolean {
  return EDGES[from].includes(to);
}

/** Returns the new state or throws RecordingStateError for an illegal move. */
export const transition = transitionFunction(
  "recording",
  EDGES,
  (from, to) => new RecordingStateError(from, to),
);

export function isFinal(state: RecordingState): boolean {
  return isFinalState(EDGES, state);
}
