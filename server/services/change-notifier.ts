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
  }

  async *changes(signal?: AbortSignal): AsyncGenerator<T> {
    for await (const [change] of on(this.emitter, "change", { signal })) {
      yield change as T;
    }
  }
}
