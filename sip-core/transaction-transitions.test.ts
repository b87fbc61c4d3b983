import { describe, expect, it } from "vitest";
import { DIALOG_EDGES, DialogState, transitionDialog } from "./dialog";
import {
  INVITE_CLIENT_TRANSACTION_EDGES,
  InviteClientTransactionState,
  transitionInviteClientTransaction,
} from "./invite-client-transaction";
import {
  INVITE_SERVER_TRANSACTION_EDGES,
  InviteServerTransactionState,
  transitionInviteServerTransaction,
} from "./invite-server-transaction";
import {
  NON_INVITE_CLIENT_TRANSACTION_EDGES,
  NonInviteClientTransactionState,
  transitionNonInviteClientTransaction,
} from "./non-invite-client-transaction";
import {
  NON_INVITE_SERVER_TRANSACTION_EDGES,
  NonInviteServerTransactionState,
  transitionNonInviteServerTransaction,
} from "./non-invite-server-transaction";
import { TransactionStateError, type TransitionTable } from "./transaction-state-error";

interface Machine<S extends string> {
  readonly name: string;
  readonly states: readonly S[];
  readonly edges: TransitionTable<S>;
  readonly transition: (from: S, to: S) => S;
  /** The moves RFC 3261's figure draws, written out independently of `edges`. */
  readonly figure: readonly (readonly [S, S])[];
}

function machine<S extends string>(m: Machine<S>): Machine<string> {
  return m as unknown as Machine<string>;
}

const ict = InviteClientTransactionState;
const nict = NonInviteClientTransactionState;
const ist = InviteServerTransactionState;
const nist = NonInviteServerTransactionState;

const MACHINES: Machine<string>[] = [
  machine({
    name: "INVITE client (Figure 5)",
    states: Object.values(ict),
    edges: INVITE_CLIENT_TRANSACTION_EDGES,
    transition: transitionInviteClientTransaction,
    figure: [
      [ict.Calling, ict.Proceeding],
      [ict.Calling, ict.Completed],
      [ict.Calling, ict.Terminated],
      [ict.Proceeding, ict.Completed],
      [ict.Proceeding, ict.Terminated],
      [ict.Completed, ict.Terminated],
    ],
  }),
  machine({
    name: "non-INVITE client (Figure 6)",
    states: Object.values(nict),
    edges: NON_INVITE_CLIENT_TRANSACTION_EDGES,
    transition: transitionNonInviteClientTransaction,
    figure: [
      [nict.Trying, nict.Proceeding],
      [nict.Trying, nict.Completed],
      [nict.Trying, nict.Terminated],
      [nict.Proceeding, nict.Completed],
      [nict.Proceeding, nict.Terminated],
      [nict.Completed, nict.Terminated],
    ],
  }),
  machine({
    name: "INVITE server (Figure 7)",
    states: Object.values(ist),
    edges: INVITE_SERVER_TRANSACTION_EDGES,
    transition: transitionInviteServerTransaction,
    figure: [
      [ist.Proceeding, ist.Accepted],
      [ist.Proceeding, ist.Completed],
      [ist.Proceeding, ist.Terminated],
      [ist.Accepted, ist.Terminated],
      [ist.Completed, ist.Confirmed],
      [ist.Completed, ist.Terminated],
      [ist.Confirmed, ist.Terminated],
    ],
  }),
  machine({
    name: "non-INVITE server (Figure 8)",
    states: Object.values(nist),
    edges: NON_INVITE_SERVER_TRANSACTION_EDGES,
    transition: transitionNonInviteServerTransaction,
    figure: [
      [nist.Trying, nist.Proceeding],
      [nist.Trying, nist.Completed],
      [nist.Proceeding, nist.Completed],
      [nist.Proceeding, nist.Terminated],
      [nist.Completed, nist.Terminated],
    ],
  }),
  machine({
    name: "dialog (§12)",
    states: Object.values(DialogState),
    edges: DIALOG_EDGES,
    transition: transitionDialog,
    figure: [
      [DialogState.Early, DialogState.Confirmed],
      [DialogState.Early, DialogState.Terminated],
      [DialogState.Confirmed, DialogState.Terminated],
    ],
  }),
];

describe.each(MACHINES)("$name state machine", (m) => {
  const legal = new Set(m.figure.map(([from, to]) => `${from}->${to}`));

  it("allows exactly the moves of the RFC figure", () => {
    const fromTable = m.states.flatMap((from) => m.edges[from]?.map((to) => `${from}->${to}`) ?? []);
    expect(new Set(fromTable)).toEqual(legal);
  });

  it("rejects every other move, self-moves and moves out of Terminated included", () => {
    let rejected = 0;
    for (const from of m.states) {
      for (const to of m.states) {
        if (legal.has(`${from}->${to}`)) {
          expect(m.transition(from, to)).toBe(to);
        } else {
          expect(() => m.transition(from, to)).toThrow(TransactionStateError);
          rejected++;
        }
      }
    }
    expect(rejected).toBe(m.states.length * m.states.length - legal.size);
  });

  it("has no move out of terminated", () => {
    expect(m.edges["terminated"]).toEqual([]);
  });
});
