import { AllowList, normalizeIp } from "../common/allowed-sources";
import { SipError } from "./sip-error";

export interface SourceGateOptions {
  /** IP addresses or CIDR blocks (`10.0.0.0/8`, `fd00::/8`) whose new requests are taken. */
  readonly allowed: readonly string[];
  /** New legs (INVITEs outside a dialog) a source may open per second, on average. */
  readonly invitesPerSecond: number;
  /** How many it may open at once before the rate applies. */
  readonly burst: number;
  readonly now?: () => number;
}

/**
 * Who may give a process orders over SIP. The media engine opens RTP ports and copies media
 * wherever an INVITE or MSML says: anyone else who can reach its SIP port would have an open
 * relay (and a flood of INVITEs once took all its ports); the lab recorder would record, and
 * fill its disk with, whatever anyone sends it. So a request outside a dialog — a new leg or
 * recording, an OPTIONS, MSML — is taken only from configured addresses, and new INVITEs only at
 * a bounded rate per source (a token bucket), refused before any port is allocated. Requests
 * inside a dialog match a dialog the process itself accepted or set up, so they are not the
 * gate's business.
 */
export class SourceGate {
  private readonly list: AllowList;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly now: () => number;
  /** Refusals so far, for /metrics. */
  readonly refused = { source: 0, rate: 0 };

  constructor(private readonly options: SourceGateOptions) {
    this.now = options.now ?? Date.now;
    this.list = new AllowList(options.allowed);
  }

  /** Throws the SipError to answer a request from `host` that opens nothing yet (`method`). */
  check(host: string, method: string): void {
    // The transports hand over IPv4-mapped IPv6 sources (::ffff:a.b.c.d) as such: as IPv4 here.
    const address = normalizeIp(host);
    if (!this.list.has(address)) {
      this.refused.source++;
      throw new SipError(403, "Forbidden");
    }
    if (method === "INVITE" && !this.take(address)) {
      this.refused.rate++;
      throw new SipError(503, "Service Unavailable", { "Retry-After": "1" });
    }
  }

  private take(host: string): boolean {
    const now = this.now();
    const bucket = this.buckets.get(host) ?? { tokens: this.options.burst, at: now };
    bucket.tokens = Math.min(
      this.options.burst,
      bucket.tokens + ((now - bucket.at) / 1000) * this.options.invitesPerSecond,
    );
    bucket.at = now;
    this.buckets.set(host, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
