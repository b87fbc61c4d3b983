import { EventEmitter, on } from "node:events";

/**
 * In-process notice that saved data changed, for the live subscriptions that keep open pages in
 * step. Services emit after their transaction commits.
 */
export class ChangeNotifier<T> {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  emitChange(change: T): void {
    this.emitter.emit("change", change);
    this.emitter.emit("local", change);
  }

  /** A change the other SIP Server of an HA pair saved: heard by this instance, not sent back. */
  deliver(change: T): void {
    this.emitter.emit("change", change);
  }

  /** Only changes saved by this instance (what an HA pair forwards to the other one). */
  onLocalChange(listener: (change: T) => void): () => void {
    this.emitter.on("local", listener);
    return () => this.emitter.off("local", listener);
  }

  async *changes(signal?: AbortSignal): AsyncGenerator<T> {
    for await (const [change] of on(this.emitter, "change", { signal })) {
      yield change as T;
    }
  }
}
