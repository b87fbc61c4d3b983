import {
  IllegalTransitionError,
  transitionFunction as machineTransition,
  type TransitionTable,
} from "../common/state-machine";

export type { TransitionTable };

/** A transaction was asked to make a move its RFC 3261 §17 state machine does not have. */
export class TransactionStateError extends IllegalTransitionError {
  override readonly name = "TransactionStateError";

  constructor(machine: string, from: string, to: string, detail?: string) {
    super(
      machine,
      from,
      to,
      `${machine}: cannot go from ${from} to ${to}${detail === undefined ? "" : ` (${detail})`}`,
    );
  }
}

/** Returns the `transition(from, to)` of a machine: the new state, or TransactionStateError. */
export function transitionFunction<S extends string>(
  machine: string,
  edges: TransitionTable<S>,
): (from: S, to: S) => S {
  return machineTransition(machine, edges, (from, to) => new TransactionStateError(machine, from, to));
}
