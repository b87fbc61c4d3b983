import { EventEmitter, on } from "node:events";

export type ConfigChange = { entity: "Dn" | "AgentLogin" | "Recorder" | "User"; id: string };

/**
 * In-process notifications that configuration changed, for the live subscription that
 * keeps open admin pages in step. Emitted after the transaction commits.
 */
class ConfigEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  emitChange(change: ConfigChange): void {
    this.emitter.emit("change", change);
  }

  async *changes(signal?: AbortSignal): AsyncGenerator<ConfigChange> {
    for await (const [change] of on(this.emitter, "change", { signal })) {
      yield change as ConfigChange;
    }
  }
}

export const configEvents = new ConfigEvents();
