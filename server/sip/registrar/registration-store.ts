import type { SipAddress } from "../../../sip-core";

/** A binding as it is saved: its expiry on the wall clock, so another process can read it. */
export interface SavedBinding {
  readonly aor: string;
  /** The Contact URI, formatted. */
  readonly contact: string;
  readonly expiresAt: Date;
  readonly callId: string;
  readonly cseq: number;
  /** The flow the REGISTER came through (transport, address, connection). */
  readonly source: SipAddress;
  readonly instanceId?: string;
  readonly regId?: number;
  readonly q?: number;
  readonly userAgent?: string;
}

/**
 * Where the registrar keeps its bindings beyond its own memory (the database, through a
 * service), so that a restarted SIP Server still reaches every phone without waiting for it to
 * register again.
 */
export interface RegistrationStore {
  /** Replaces what is saved for `aor` by `bindings` (none: the AOR is forgotten). */
  save(aor: string, bindings: readonly SavedBinding[]): Promise<void>;
  /** Everything saved, expired or not. */
  load(): Promise<SavedBinding[]>;
}
