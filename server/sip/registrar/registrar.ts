import { ProtocolParseError } from "../../../protocol/protocol-parse-error";
import { formatSipUri, parseCSeq, parseNameAddr, quote, unquote, type NameAddr } from "../../../protocol/sip";
import {
  headerValues,
  reasonPhraseFrom,
  SipError,
  type Clock,
  type IncomingRequest,
  type SipAddress,
  type TimerHandle,
} from "../../../sip-core";
import { FailureThrottle } from "../../../common/failure-throttle";
import { contactBindingKey } from "./contact-binding-key";
import {
  addressOfRecord,
  parseDeltaSeconds,
  parseExpiresHeader,
  parseQ,
  parseRegId,
} from "./register-fields";
import { DigestAuthenticator } from "./digest-authenticator";
import { NonceAuthority } from "./nonce-authority";
import type { Binding } from "./binding";
import type { RegistrationStore } from "./registration-store";
import { RegistrationPersistence } from "./registration-persistence";

export type { Binding } from "./binding";

export interface RegistrarCredentialsStore {
  /** HA1 for the extension (username = DN number) or undefined when the number is not a registrable extension (unknown, trunk, no password) */
  findHa1(username: string, algorithm: "MD5" | "SHA-256"): Promise<string | undefined>;
  /**
   * H(A1) of short-lived credentials that may register the extension now (a signed-in user's
   * softphone, issued by the server), accepted beside the extension's own password.
   */
  findTemporaryHa1s?(username: string, algorithm: "MD5" | "SHA-256"): Promise<string[]>;
}

export interface RegistrarOptions {
  realm: string;
  clock: Clock;
  store: RegistrarCredentialsStore;
  /** Default 60. */
  minExpiresS?: number;
  /** Default 3600. */
  maxExpiresS?: number;
  /** Default 3600. */
  defaultExpiresS?: number;
  /** Default 5. */
  maxContactsPerAor?: number;
  /** Default 300. */
  nonceTtlS?: number;
  /**
   * Who may bind an extension through a flow, asked after the digest check: the reason to refuse
   * (answered 403), or null. Lets the server tie a WebSocket flow's signed-in user to the one
   * extension they own; the SIP password alone does not make an extension yours.
   */
  mayBind?: (aor: string, source: SipAddress) => Promise<string | null>;
  /**
   * Saves every change of an AOR's bindings (before the REGISTER is answered) and gives them
   * back to `restore()` after a restart. Without it, bindings live in memory only.
   */
  bindings?: RegistrationStore;
  /**
   * Errors the registrar cannot answer with anything better than a 500 (the credentials store
   * failing) and errors thrown by event listeners.
   */
  onError?: (error: unknown) => void;
}

export type RegistrarEvent =
  | { type: "registered"; aor: string; binding: Binding }
  | { type: "unregistered"; aor: string; contact: string; reason: "expired" | "removed" };

interface Entry {
  readonly key: string;
  readonly binding: Binding;
  /** Order of the last update, for "most recent" and for dropping the oldest. */
  readonly seq: number;
}

interface ContactChange {
  readonly key: string;
  readonly nameAddr: NameAddr;
  readonly expiresS: number;
  readonly instanceId?: string;
  readonly regId?: number;
  readonly q?: number;
}

const SWEEP_INTERVAL_MS = 1000;

/**
 * The registrar of RFC 3261 §10.3 for a single-domain lab: REGISTER adds, refreshes, removes
 * and lists the bindings of an extension after digest authentication (RFC 8760: SHA-256 and
 * MD5), and the rest of the server finds where to send a request with lookup(). Bindings are
 * saved through `options.bindings` and restored at start: a phone reached over UDP stays
 * reachable across a restart; one whose flow was a connection (TCP, WebSocket) registers again.
 */
export class Registrar {
  private readonly clock: Clock;
  private readonly minExpiresS: number;
  private readonly maxExpiresS: number;
  private readonly defaultExpiresS: number;
  private readonly maxContactsPerAor: number;
  private readonly nonces: NonceAuthority;
  private readonly authenticator: DigestAuthenticator;
  private readonly throttle: FailureThrottle;
  private readonly aors = new Map<string, Entry[]>();
  private readonly listeners = new Set<(event: RegistrarEvent) => void>();
  private sweepTimer: TimerHandle | undefined;
  private nextSeq = 1;
  private closed = false;
  private readonly persistence: RegistrationPersistence;

  constructor(private readonly options: RegistrarOptions) {
    this.clock = options.clock;
    this.minExpiresS = options.minExpiresS ?? 60;
    this.maxExpiresS = Math.max(this.minExpiresS, options.maxExpiresS ?? 3600);
    this.defaultExpiresS = Math.min(this.maxExpiresS, options.defaultExpiresS ?? 3600);
    this.maxContactsPerAor = Math.max(1, options.maxContactsPerAor ?? 5);
    const now = (): number => this.clock.now();
    this.nonces = new NonceAuthority({ now, ttlMs: (options.nonceTtlS ?? 300) * 1000 });
    this.authenticator = new DigestAuthenticator(options.realm, options.store, this.nonces);
    // 5 digest failures in 60 s block the source 60 s, doubling up to 15 min.
    this.throttle = new FailureThrottle({ now });
    this.persistence = new RegistrationPersistence({
      clock: this.clock,
      current: (aor) => (this.aors.get(aor) ?? []).map((entry) => entry.binding),
      onError: (error) => this.report(error),
      ...(options.bindings === undefined ? {} : { store: options.bindings }),
    });
    this.scheduleSweep();
  }

  /** The REGISTER handler to put in UserAgentCore handlers. Throws SipError only. */
  async handleRegister(request: IncomingRequest): Promise<void> {
    try {
      await this.register(request);
    } catch (error) {
      if (error instanceof SipError) throw error;
      if (error instanceof ProtocolParseError) throw new SipError(400, reasonPhraseFrom(error.message));
      this.report(error);
      throw new SipError(500, "Server Internal Error");
    }
  }

  /** Current bindings of an AOR, highest q first (no q counts as 1), then most recently updated. */
  lookup(aor: string): Binding[] {
    this.pruneExpired(aor);
    return this.sorted(this.aors.get(aor) ?? []).map((entry) => entry.binding);
  }

  /** All AORs with at least one binding. */
  registeredAors(): string[] {
    for (const aor of [...this.aors.keys()]) this.pruneExpired(aor);
    return [...this.aors.keys()];
  }

  on(listener: (event: RegistrarEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Removes the bindings reached through a connection that closed: they cannot be reached any more. */
  removeFlow(connectionId: string): void {
    for (const [aor, entries] of [...this.aors]) {
      const gone = entries.filter((entry) => entry.binding.source.connectionId === connectionId);
      if (gone.length === 0) continue;
      this.setEntries(
        aor,
        entries.filter((entry) => !gone.includes(entry)),
      );
      this.persistence.persistLater(aor);
      for (const entry of gone) this.emitUnregistered(entry, "removed");
    }
  }

  /** Stops the sweep timer. */
  close(): void {
    this.closed = true;
    if (this.sweepTimer !== undefined) this.clock.clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  // REGISTER

  private async register(request: IncomingRequest): Promise<void> {
    const message = request.message;
    const aor = addressOfRecord(message);
    const sourceKey = request.source.host;
    const waitMs = this.throttle.blockedFor(sourceKey);
    if (waitMs > 0) {
      throw new SipError(403, "Too many failed attempts", {
        "Retry-After": String(Math.ceil(waitMs / 1000)),
      });
    }
    const outcome = await this.authenticator.authenticate(message, aor);
    if (outcome.kind === "challenge") {
      const response = request.createResponse(401);
      for (const challenge of this.authenticator.challenges(outcome.stale)) {
        response.headers.append("WWW-Authenticate", challenge);
      }
      request.send(response);
      return;
    }
    if (outcome.kind === "failed") {
      this.throttle.recordFailure(sourceKey);
      throw new SipError(403, "Bad credentials");
    }
    this.throttle.recordSuccess(sourceKey);
    const refusal = (await this.options.mayBind?.(aor, request.source)) ?? null;
    if (refusal !== null) throw new SipError(403, reasonPhraseFrom(refusal));
    this.updateBindings(aor, request);
    // Saved before the 200 says so: a restart right after it still knows the phone.
    await this.persistence.persist(aor);
    this.replyBindings(request, aor);
  }

  /**
   * Reads the bindings a previous process saved. Those still valid whose flow can come back
   * (UDP: the phone's address) are bindings again, with their remaining time; those reached
   * through a connection (TCP, WebSocket) cannot be used any more and are forgotten. Returns
   * how many came back.
   */
  async restore(): Promise<number> {
    const { aors, bindings } = await this.persistence.load();
    for (const binding of bindings) {
      const entries = this.aors.get(binding.aor) ?? [];
      entries.push({
        key: contactBindingKey(binding.contactUri, binding.instanceId, binding.regId),
        binding,
        seq: this.nextSeq++,
      });
      this.aors.set(binding.aor, entries);
    }
    // What could not come back is not kept for the next restart either.
    for (const aor of aors) await this.persistence.persist(aor);
    return bindings.length;
  }

  /**
   * RFC 3261 §10.3 steps 6 to 8. Every check runs before anything changes, so a request refused
   * half-way leaves the bindings as they were.
   */
  private updateBindings(aor: string, request: IncomingRequest): void {
    const message = request.message;
    const contacts = headerValues(message.headers, "Contact");
    // §10.2.3: "If no Contact header field is present in a REGISTER request, the list of
    // bindings is left unchanged."
    if (contacts.length === 0) return;
    const expiresHeader = parseExpiresHeader(message.headers.get("Expires"));
    const callId = message.headers.get("Call-ID");
    const cseqValue = message.headers.get("CSeq");
    if (callId === undefined || cseqValue === undefined) throw new SipError(400, "Missing Call-ID or CSeq");
    const cseq = parseCSeq(cseqValue).seq;
    this.pruneExpired(aor);
    const existing = this.aors.get(aor) ?? [];

    if (contacts.some((contact) => contact === "*")) {
      // §10.2.2: "The REGISTER-specific Contact header field value of "*" applies to all
      // registrations, but it MUST NOT be used unless the Expires header field is present with a
      // value of "0"."
      if (contacts.length !== 1 || expiresHeader !== 0) {
        throw new SipError(400, "Contact * needs Expires 0 and no other Contact");
      }
      for (const entry of existing) this.checkOrder(entry.binding, callId, cseq);
      this.aors.delete(aor);
      for (const entry of existing) this.emitUnregistered(entry, "removed");
      return;
    }

    const changes = contacts.map((value) => this.contactChange(value, expiresHeader));
    for (const change of changes) {
      const current = existing.find((entry) => entry.key === change.key);
      if (current !== undefined) this.checkOrder(current.binding, callId, cseq);
    }

    const now = this.clock.now();
    const userAgent = message.headers.get("User-Agent");
    let entries = [...existing];
    const removed: Entry[] = [];
    const registered: Binding[] = [];
    for (const change of changes) {
      const current = entries.find((entry) => entry.key === change.key);
      if (current !== undefined) entries = entries.filter((entry) => entry !== current);
      if (change.expiresS === 0) {
        if (current !== undefined && !removed.includes(current)) removed.push(current);
        continue;
      }
      const binding: Binding = {
        aor,
        contact: formatSipUri(change.nameAddr.uri),
        contactUri: change.nameAddr.uri,
        expiresAt: now + change.expiresS * 1000,
        callId,
        cseq,
        source: request.source,
        ...(change.instanceId === undefined ? {} : { instanceId: change.instanceId }),
        ...(change.regId === undefined ? {} : { regId: change.regId }),
        ...(change.q === undefined ? {} : { q: change.q }),
        ...(userAgent === undefined ? {} : { userAgent }),
      };
      entries.push({ key: change.key, binding, seq: this.nextSeq++ });
      registered.push(binding);
    }
    // Too many devices for one extension: the one not heard from for the longest goes.
    const dropped: Entry[] = [];
    while (entries.length > this.maxContactsPerAor) {
      const oldest = entries.reduce((a, b) => (b.seq < a.seq ? b : a));
      entries = entries.filter((entry) => entry !== oldest);
      dropped.push(oldest);
    }
    this.setEntries(aor, entries);
    for (const entry of removed) this.emitUnregistered(entry, "removed");
    for (const binding of registered) {
      if (entries.some((entry) => entry.binding === binding)) this.emit({ type: "registered", aor, binding });
    }
    for (const entry of dropped) {
      if (existing.includes(entry)) this.emitUnregistered(entry, "removed");
    }
  }

  /**
   * §10.3 step 7: "If the binding does exist, the registrar checks the Call-ID value. If the
   * Call-ID value in the existing binding differs from the Call-ID value in the request, the
   * binding MUST be removed if the expiration time is zero and updated otherwise. If they are
   * the same, the registrar compares the CSeq value. If the value is higher than that of the
   * existing binding, it MUST update or remove the binding as above. If not, the update MUST be
   * aborted and the request fails."
   */
  private checkOrder(binding: Binding, callId: string, cseq: number): void {
    if (binding.callId === callId && cseq <= binding.cseq) throw new SipError(500, "Out of order");
  }

  private contactChange(value: string, expiresHeader: number | undefined): ContactChange {
    const nameAddr = parseNameAddr(value);
    const expiresParam = nameAddr.params.get("expires");
    const requested =
      expiresParam === undefined
        ? (expiresHeader ?? this.defaultExpiresS)
        : parseDeltaSeconds(expiresParam ?? "", "Contact expires");
    // §10.3 step 7: "If and only if the requested expiration interval is greater than zero AND
    // smaller than one hour AND less than a registrar-configured minimum, the registrar MAY
    // reject the registration with a response of 423 (Interval Too Brief). This response MUST
    // contain a Min-Expires header field that states the minimum expiration interval the
    // registrar is willing to honor."
    if (requested > 0 && requested < 3600 && requested < this.minExpiresS) {
      throw new SipError(423, "Interval Too Brief", { "Min-Expires": String(this.minExpiresS) });
    }
    // "The registrar MAY choose an expiration less than the requested expiration interval."
    const expiresS = Math.min(requested, this.maxExpiresS);
    const instanceParam = nameAddr.params.get("+sip.instance");
    const instanceId =
      instanceParam === undefined || instanceParam === null ? undefined : unquote(instanceParam);
    const regId = parseRegId(nameAddr.params.get("reg-id"));
    const q = parseQ(nameAddr.params.get("q"));
    return {
      key: contactBindingKey(nameAddr.uri, instanceId, regId),
      nameAddr,
      expiresS,
      ...(instanceId === undefined ? {} : { instanceId }),
      ...(regId === undefined ? {} : { regId }),
      ...(q === undefined ? {} : { q }),
    };
  }

  /**
   * §10.3 step 8: "The registrar returns a 200 (OK) response. The response MUST contain Contact
   * header field values enumerating all current bindings. Each Contact value MUST feature an
   * "expires" parameter indicating its expiration interval chosen by the registrar. The response
   * SHOULD include a Date header field."
   */
  private replyBindings(request: IncomingRequest, aor: string): void {
    const now = this.clock.now();
    const response = request.createResponse(200);
    for (const binding of this.lookup(aor)) {
      const remaining = Math.max(0, Math.ceil((binding.expiresAt - now) / 1000));
      let value = `<${binding.contact}>;expires=${remaining}`;
      if (binding.q !== undefined) value += `;q=${binding.q}`;
      if (binding.instanceId !== undefined) value += `;+sip.instance=${quote(binding.instanceId)}`;
      if (binding.regId !== undefined) value += `;reg-id=${binding.regId}`;
      response.headers.append("Contact", value);
    }
    // Wall time, not the registrar's clock, which only measures intervals.
    response.headers.append("Date", new Date().toUTCString());
    request.send(response);
  }

  // Bindings

  private sorted(entries: readonly Entry[]): Entry[] {
    return [...entries].sort((a, b) => (b.binding.q ?? 1) - (a.binding.q ?? 1) || b.seq - a.seq);
  }

  private setEntries(aor: string, entries: Entry[]): void {
    if (entries.length === 0) this.aors.delete(aor);
    else this.aors.set(aor, entries);
  }

  private pruneExpired(aor: string): void {
    const entries = this.aors.get(aor);
    if (entries === undefined) return;
    const now = this.clock.now();
    const expired = entries.filter((entry) => entry.binding.expiresAt <= now);
    if (expired.length === 0) return;
    this.setEntries(
      aor,
      entries.filter((entry) => !expired.includes(entry)),
    );
    this.persistence.persistLater(aor);
    for (const entry of expired) this.emitUnregistered(entry, "expired");
  }

  private scheduleSweep(): void {
    if (this.closed) return;
    this.sweepTimer = this.clock.setTimeout(() => {
      this.sweepTimer = undefined;
      this.sweep();
      this.scheduleSweep();
    }, SWEEP_INTERVAL_MS);
  }

  private sweep(): void {
    for (const aor of [...this.aors.keys()]) this.pruneExpired(aor);
    this.nonces.prune();
    this.throttle.prune();
  }

  // Events

  private emitUnregistered(entry: Entry, reason: "expired" | "removed"): void {
    this.emit({ type: "unregistered", aor: entry.binding.aor, contact: entry.binding.contact, reason });
  }

  /** A failing listener must neither stop the others nor turn a REGISTER into a 500. */
  private emit(event: RegistrarEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.report(error);
      }
    }
  }

  private report(error: unknown): void {
    try {
      this.options.onError?.(error);
    } catch {
      // The error reporter failing leaves nobody else to tell.
    }
  }
}
