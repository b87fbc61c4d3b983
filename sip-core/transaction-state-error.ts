/** A transaction was asked to make a move its RFC 3261 §17 state machine does not have. */
export class TransactionStateError extends Error {
  override readonly name = "TransactionStateError";

  constructor(
    readonly machine: string,
    readonly from: string,
    readonly to: string,
    detail?: string,
  ) {
    super(`${machine}: cannot go from ${from} to ${to}${detail === undefined ? "" : ` (${detail})`}`);
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

export type TransitionTable<S extends string> = Readonly<Record<S, readonly S[]>>;

/** Returns the `transition(from, to)` of a machine: the new state, or TransactionStateError. */
export function transitionFunction<S extends string>(
  machine: string,
  edges: TransitionTable<S>,
): (from: S, to: S) => S {
  return (from, to) => {
    if (!edges[from].includes(to)) throw new TransactionStateError(machine, from, to);
    return to;
  };
}
