import { MacrotaskQueue } from "../common/macrotask-queue";
import type { SipAddress } from "./sip-address";
import { SipError } from "./sip-error";
import type { ReceiveScheduler } from "./sip-transport";

export interface SerialReceiveQueueOptions {
  /**
   * Messages waiting at most. Beyond, a new request is refused at once with 503; responses and
   * ACKs are still queued (they complete work this UA started, and cannot be refused).
   */
  readonly max: number;
  /** Retry-After of the 503, in seconds. */
  readonly retryAfterSeconds?: number;
  /**
   * An overload incident began (the first request refused) or ended (the queue drained, with how
   * many were refused in all): one call each, for one log line per incident, not per message.
   */
  readonly onOverload?: (incident: OverloadIncident) => void;
  /** A delivery threw (a bug above the transport: the parse errors are handed up as such). */
  readonly onError: (error: unknown) => void;
}

export type OverloadIncident =
  { readonly state: "began" } | { readonly state: "ended"; readonly refused: number };

/** RFC 5626 §3.5.1 keep-alives and blank lines may precede a start line; they are skipped here. */
function startLineOf(raw: Buffer): string {
  let start = 0;
  while (start < raw.length && (raw[start] === 0x0d || raw[start] === 0x0a)) start++;
  return raw.toString("latin1", start, Math.min(raw.length, start + 8));
}

/**
 * A ReceiveScheduler that hands received messages up one per event-loop turn, in arrival order,
 * across every transport it is given to (MacrotaskQueue says why one per turn). Its bound keeps
 * a flood from growing the queue (and the wait of everything in it) without limit:
 *
 * RFC 3261 §21.5.4: "503 Service Unavailable: The server is temporarily unable to process the
 * request due to a temporary overloading or maintenance of the server. The server MAY indicate
 * when the client should retry the request in a Retry-After header field."
 *
 * A refused request is parsed and handed up at once, with the 503 as its refusal: the
 * transaction layer then answers it through a server transaction (so its retransmissions and,
 * for an INVITE, its ACK are absorbed there), and a retransmission of a request it already has
 * still reaches that request's transaction, which answers as before. Only the parse and the
 * small 503 run outside the queue: no handler ever does.
 */
export class SerialReceiveQueue implements ReceiveScheduler {
  private readonly queue: MacrotaskQueue;
  private readonly refusal: SipError;
  private refusedTotal = 0;
  private refusedInIncident = 0;

  constructor(private readonly options: SerialReceiveQueueOptions) {
    if (!Number.isInteger(options.max) || options.max < 1) {
      throw new RangeError(`SerialReceiveQueue max must be a positive integer, got ${options.max}`);
    }
    this.queue = new MacrotaskQueue(options.onError);
    this.refusal = new SipError(503, "Service Unavailable", {
      "Retry-After": String(options.retryAfterSeconds ?? 1),
    });
  }

  /** Messages waiting to be handed up. */
  get length(): number {
    return this.queue.length;
  }

  /**
   * Requests handed up with the 503 because the queue was full, since start; one that turned out
   * to be a retransmission of a request already answered got that answer instead (the
   * transaction layer's `refusedByScheduler` counts only the 503s).
   */
  get refused(): number {
    return this.refusedTotal;
  }

  schedule(raw: Buffer, _source: SipAddress, deliver: (refusal?: SipError) => void): void {
    if (this.queue.length >= this.options.max && this.refusable(raw)) {
      this.refusedTotal++;
      if (this.refusedInIncident++ === 0) this.options.onOverload?.({ state: "began" });
      deliver(this.refusal);
      return;
    }
    this.queue.push(() => {
      try {
        deliver();
      } finally {
        if (this.refusedInIncident > 0 && this.queue.length === 0) {
          const refused = this.refusedInIncident;
          this.refusedInIncident = 0;
          this.options.onOverload?.({ state: "ended", refused });
        }
      }
    });
  }

  /** A request other than ACK: responses and ACKs answer or complete what is under way. */
  private refusable(raw: Buffer): boolean {
    const start = startLineOf(raw);
    return !start.startsWith("SIP/") && !start.startsWith("ACK ");
  }
}
