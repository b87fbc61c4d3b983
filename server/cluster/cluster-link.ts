import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Logger } from "../../common/logger";
import {
  CLUSTER_CHANNEL,
  type ClusterError,
  type ClusterMessage,
  MAX_PAYLOAD_BYTES,
  type OutgoingClusterMessage,
  zClusterMessage,
} from "./cluster-messages";

type Handler = (message: ClusterMessage) => void;
type Method = (params: unknown) => Promise<unknown>;

/** A request the active instance did not answer in time, or answered with an error we rebuild. */
export class ClusterRequestError extends Error {
  constructor(
    message: string,
    readonly remote?: ClusterError,
  ) {
    super(message);
  }
}

export type ClusterLinkOptions = {
  url: string;
  /** HA_NODE of this instance. */
  node: string;
  log: Logger;
  /** Counts and logs a contained failure (ContainedErrors.report). */
  report: (where: string, error: unknown) => void;
};

/**
 * The SIP Servers of an HA pair talk through the PostgreSQL they share — LISTEN/NOTIFY, no
 * cluster protocol of our own and no port between them. One connection listens (and is opened
 * again when lost: `onReconnect` tells the owner to ask for what it may have missed); another
 * sends, one NOTIFY at a time, so messages leave in order. Messages from this instance come
 * back to it too; handlers see `from` and decide.
 */
export class ClusterLink {
  private listener: pg.Client | undefined;
  private sender: pg.Client | undefined;
  private sending: Promise<void> = Promise.resolve();
  private readonly handlers = new Set<Handler>();
  private readonly reconnectHandlers = new Set<() => void>();
  private readonly methods = new Map<string, Method>();
  private readonly pending = new Map<string, (reply: Extract<ClusterMessage, { kind: "reply" }>) => void>();
  private closed = false;

  private constructor(private readonly options: ClusterLinkOptions) {}

  static async connect(options: ClusterLinkOptions): Promise<ClusterLink> {
    const link = new ClusterLink(options);
    await link.listen();
    return link;
  }

  get node(): string {
    return this.options.node;
  }

  on(handler: Handler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** After the listening connection was lost and opened again (messages may have been missed). */
  onReconnect(handler: () => void): void {
    this.reconnectHandlers.add(handler);
  }

  /** Sends to every instance (this one included). Never throws: a failure is counted. */
  publish(message: OutgoingClusterMessage): Promise<void> {
    const payload = JSON.stringify({ ...message, from: this.options.node });
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
      this.options.report(
        "cluster_send",
        new Error(
          `a ${message.kind} message of ${Buffer.byteLength(payload)} bytes does not fit in a NOTIFY`,
        ),
      );
      return Promise.resolve();
    }
    this.sending = this.sending.then(async () => {
      if (this.closed) return;
      try {
        const client = await this.senderClient();
        await client.query("SELECT pg_notify($1, $2)", [CLUSTER_CHANNEL, payload]);
      } catch (error) {
        this.dropSender();
        this.options.report("cluster_send", error);
      }
    });
    return this.sending;
  }

  /** Answers requests of `method` from the other instance (only the active instance serves). */
  serve(method: string, fn: Method): void {
    this.methods.set(method, fn);
  }

  /** Asks the instance serving `method` (the active one); rejects after `timeoutMs` without an answer. */
  request(method: string, params: unknown, timeoutMs = 5_000): Promise<unknown> {
    const id = randomBytes(8).toString("hex");
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new ClusterRequestError(`the active SIP Server did not answer ${method} within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        this.pending.delete(id);
        if (reply.ok) resolve(reply.result);
        else reject(new ClusterRequestError(reply.error?.message ?? `${method} failed`, reply.error));
      });
      void this.publish({ kind: "request", id, method, params });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.sending;
    await Promise.allSettled([this.listener?.end(), this.sender?.end()]);
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.url });
    client.on("notification", (n) => {
      if (n.channel === CLUSTER_CHANNEL && n.payload !== undefined) this.receive(n.payload);
    });
    const lost = (error?: unknown) => {
      if (this.closed || this.listener !== client) return;
      this.listener = undefined;
      if (error !== undefined) this.options.report("cluster_listen", error);
      void client.end().catch(() => undefined);
      setTimeout(() => void this.relisten(), 500).unref();
    };
    client.on("error", lost);
    client.on("end", () => lost());
    await client.connect();
    await client.query(`LISTEN ${CLUSTER_CHANNEL}`);
    this.listener = client;
  }

  private async relisten(): Promise<void> {
    if (this.closed) return;
    try {
      await this.listen();
      this.options.log.info("cluster link: listening again");
      for (const handler of this.reconnectHandlers) handler();
    } catch (error) {
      this.options.report("cluster_listen", error);
      setTimeout(() => void this.relisten(), 1_000).unref();
    }
  }

  private receive(payload: string): void {
    let message: ClusterMessage;
    try {
      message = zClusterMessage.parse(JSON.parse(payload));
    } catch (error) {
      this.options.report("cluster_receive", error);
      return;
    }
    if (message.kind === "request") {
      const method = this.methods.get(message.method);
      if (method !== undefined) void this.answer(message, method);
      return;
    }
    if (message.kind === "reply") {
      if (message.to === this.options.node) this.pending.get(message.id)?.(message);
      return;
    }
    for (const handler of this.handlers) {
      try {
        handler(message);
      } catch (error) {
        this.options.report("cluster_receive", error);
      }
    }
  }

  private async answer(request: Extract<ClusterMessage, { kind: "request" }>, method: Method): Promise<void> {
    const reply = { kind: "reply" as const, to: request.from, id: request.id };
    try {
      await this.publish({ ...reply, ok: true, result: await method(request.params) });
    } catch (error) {
      await this.publish({ ...reply, ok: false, error: describeError(error) });
    }
  }

  private async senderClient(): Promise<pg.Client> {
    if (this.sender !== undefined) return this.sender;
    const client = new pg.Client({ connectionString: this.options.url });
    client.on("error", () => this.dropSender());
    await client.connect();
    this.sender = client;
    return client;
  }

  private dropSender(): void {
    const client = this.sender;
    this.sender = undefined;
    void client?.end().catch(() => undefined);
  }
}

function describeError(error: unknown): ClusterError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const withCode = error as Error & { code?: unknown; details?: unknown };
  return {
    name: error.name === "Error" ? error.constructor.name : error.name,
    message: error.message,
    ...(typeof withCode.code === "string" || typeof withCode.code === "number"
      ? { code: withCode.code }
      : {}),
    ...(typeof withCode.details === "object" && withCode.details !== null
      ? { details: withCode.details as Record<string, unknown> }
      : {}),
  };
}
