import type { CallSnapshot } from "./call-snapshot";

/** A saved call that cannot be taken up again (a snapshot from another version, or damaged). */
export interface UnreadableCall {
  readonly connId: string;
  readonly problem: string;
}

/**
 * Where established calls are kept so a restarted SIP Server goes on with them (implemented over
 * the database by ActiveCallService). Writes of one call are applied in the order they were made.
 */
export interface CallStore {
  save(snapshot: CallSnapshot): Promise<void>;
  remove(connId: string): Promise<void>;
  load(): Promise<{ snapshots: CallSnapshot[]; unreadable: UnreadableCall[] }>;
  /** Deletes saved calls that could not be taken up (after they were reported). */
  discard(connIds: readonly string[]): Promise<void>;
}
