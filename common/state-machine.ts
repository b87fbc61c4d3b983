/**
 * The one way Forkline writes a state machine: an edge table (every legal move, nothing else) and
 * a transition function that returns the new state or throws. Used by the SIP transactions and
 * dialogs (sip-core), calls, media legs and both views of a recording, so an illegal move is
 * refused the same way everywhere and every table can be tested exhaustively.
 */
export type TransitionTable<S extends string> = Readonly<Record<S, readonly S[]>>;

/** A move the machine's table does not have. */
export class IllegalTransitionError extends Error {
  override readonly name: string = "IllegalTransitionError";
  constructor(
    /** Which machine (and which instance, e.g. `call 0001…`) refused the move. */
    readonly machine: string,
    readonly from: string,
    readonly to: string,
    message = `${machine}: cannot go from ${from} to ${to}`,
  ) {
    super(message);
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/**
 * Returns `transition(from, to, instance?)`: `to`, or the error `refuse` builds (by default an
 * IllegalTransitionError naming the machine and, when given, the instance).
 */
export function transitionFunction<S extends string>(
  machine: string,
  edges: TransitionTable<S>,
  refuse: (from: S, to: S, instance?: string) => Error = (from, to, instance) =>
    new IllegalTransitionError(instance === undefined ? machine : `${machine} ${instance}`, from, to),
): (from: S, to: S, instance?: string) => S {
  return (from, to, instance) => {
    if (!edges[from].includes(to)) throw refuse(from, to, instance);
    return to;
  };
}

/** Final states: those with no way out. */
export function isFinalState<S extends string>(edges: TransitionTable<S>, state: S): boolean {
  return edges[state].length === 0;
}
