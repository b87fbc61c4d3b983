import { parseSipUri, type SipUri } from "../../../protocol/sip";
import type { Clock } from "../../../sip-core";
import type { Binding } from "./binding";
import type { RegistrationStore, SavedBinding } from "./registration-store";

export interface RegistrationPersistenceOptions {
  /** Without it, nothing is saved and nothing comes back. */
  store?: RegistrationStore;
  /** The registrar's clock: binding expiries are measured on it, saved ones on the wall clock. */
  clock: Clock;
  /** The AOR's bindings as they are when its save runs. */
  current: (aor: string) => readonly Binding[];
  /** Saves nobody waits on that failed, and saved rows that no longer parse. */
  onError: (error: unknown) => void;
}

/** What a previous process saved and can be used again. */
export interface RestorableBindings {
  /** Every AOR that had saved rows, restorable or not: each is saved again to forget the rest. */
  readonly aors: ReadonlySet<string>;
  readonly bindings: readonly Binding[];
}

/**
 * The registrar's bindings beyond its own memory: each change of an AOR reaches the store in
 * the order of the changes, with expiries turned to wall time so another process can read them,
 * and at start the saved bindings come back with the time they have left.
 */
export class RegistrationPersistence {
  /** Saves in progress, per AOR, so that they reach the store in the order of the changes. */
  private readonly saving = new Map<string, Promise<void>>();

  constructor(private readonly options: RegistrationPersistenceOptions) {}

  /** Saves the AOR's bindings as they are now, after any save of it still in progress. */
  persist(aor: string): Promise<void> {
    const store = this.options.store;
    if (store === undefined) return Promise.resolve();
    const previous = this.saving.get(aor) ?? Promise.resolve();
    const next = previous.then(() => store.save(aor, this.saved(aor)));
    const settled = next.catch(() => undefined);
    this.saving.set(aor, settled);
    void settled.then(() => {
      if (this.saving.get(aor) === settled) this.saving.delete(aor);
    });
    return next;
  }

  /** For changes nobody waits on (expiry, a closed connection): a failure is reported, not thrown. */
  persistLater(aor: string): void {
    this.persist(aor).catch((error: unknown) => this.options.onError(error));
  }

  /**
   * Reads what a previous process saved. Bindings still valid whose flow can come back (UDP: the
   * phone's address) are returned with their remaining time; those reached through a connection
   * (TCP, WebSocket) cannot be used any more and are left out.
   */
  async load(): Promise<RestorableBindings> {
    const store = this.options.store;
    if (store === undefined) return { aors: new Set(), bindings: [] };
    const saved = await store.load();
    const wallNow = Date.now();
    const now = this.options.clock.now();
    const aors = new Set<string>();
    const bindings: Binding[] = [];
    for (const row of saved) {
      aors.add(row.aor);
      const remainingMs = row.expiresAt.getTime() - wallNow;
      if (remainingMs <= 0 || row.source.connectionId !== undefined) continue;
      let contactUri: SipUri;
      try {
        contactUri = parseSipUri(row.contact);
      } catch (error) {
        this.options.onError(error);
        continue;
      }
      bindings.push({
        aor: row.aor,
        contact: row.contact,
        contactUri,
        expiresAt: now + remainingMs,
        callId: row.callId,
        cseq: row.cseq,
        source: row.source,
        ...optionalFields(row),
      });
    }
    return { aors, bindings };
  }

  private saved(aor: string): SavedBinding[] {
    const wallNow = Date.now();
    const now = this.options.clock.now();
    return this.options.current(aor).map((binding) => ({
      aor,
      contact: binding.contact,
      expiresAt: new Date(wallNow + (binding.expiresAt - now)),
      callId: binding.callId,
      cseq: binding.cseq,
      source: binding.source,
      ...optionalFields(binding),
    }));
  }
}

/** The optional fields a binding and its saved row share, each only when it is set. */
function optionalFields(from: {
  readonly instanceId?: string | undefined;
  readonly regId?: number | undefined;
  readonly q?: number | undefined;
  readonly userAgent?: string | undefined;
}): Pick<Binding, "instanceId" | "regId" | "q" | "userAgent"> {
  return {
    ...(from.instanceId === undefined ? {} : { instanceId: from.instanceId }),
    ...(from.regId === undefined ? {} : { regId: from.regId }),
    ...(from.q === undefined ? {} : { q: from.q }),
    ...(from.userAgent === undefined ? {} : { userAgent: from.userAgent }),
  };
}
