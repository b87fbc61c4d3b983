import { randomUUID } from "node:crypto";
import { EventEmitter, on } from "node:events";
import type { TEvent } from "./t-library-events";

type NewEvent = Omit<TEvent, "id" | "seq" | "time">;

/**
 * Fan-out of T-Library events to CTI clients. A client monitors a set of DNs (as a
 * T-Library client registers DNs) or, with no filter, sees every event (a supervisor view).
 */
export class CtiEventBus {
  private readonly emitter = new EventEmitter();
  private seq = 0;

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  publish(event: NewEvent): TEvent {
    const full: TEvent = { ...event, id: randomUUID(), seq: ++this.seq, time: new Date() };
    this.emitter.emit("event", full);
    this.emitter.emit("local", full);
    return full;
  }

  /**
   * An event published by the other SIP Server of an HA pair: seen by this instance's clients
   * like its own, not sent back (onLocalPublish does not hear it).
   */
  deliver(event: TEvent): void {
    // Numbered here: clients order and tell events apart by seq, per server they talk to.
    this.emitter.emit("event", { ...event, seq: ++this.seq });
  }

  /** Only events this instance published (what an HA pair forwards to the other instance). */
  onLocalPublish(listener: (event: TEvent) => void): () => void {
    this.emitter.on("local", listener);
    return () => this.emitter.off("local", listener);
  }

  /** Called after every event, whatever its DN; returns the unsubscribe function. */
  onPublish(listener: (event: TEvent) => void): () => void {
    this.emitter.on("event", listener);
    return () => this.emitter.off("event", listener);
  }

  async *subscribe(filter: { dns?: string[] }, signal?: AbortSignal): AsyncGenerator<TEvent> {
    const dns = filter.dns && filter.dns.length > 0 ? new Set(filter.dns) : null;
    for await (const [event] of on(this.emitter, "event", { signal })) {
      const e = event as TEvent;
      if (!dns || dns.has(e.thisDn)) yield e;
    }
  }
}
