import { BlockList, isIP } from "node:net";
import { z } from "zod";

/** Throws when `value` is no IP address or CIDR block: the env check names it. */
export function parseAllowedSource(value: string): { address: string; prefix?: number } {
  const [address = "", prefix, extra] = value.trim().split("/");
  const family = isIP(address);
  const bits = prefix === undefined ? undefined : Number(prefix);
  if (
    family === 0 ||
    extra !== undefined ||
    (bits !== undefined && (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128)))
  )
    throw new Error(`"${value}" is not an IP address or CIDR block`);
  return bits === undefined ? { address } : { address, prefix: bits };
}

/**
 * An env variable listing IP addresses or CIDR blocks, comma separated (`127.0.0.1,10.0.0.0/8`):
 * who may send a process requests outside a dialog (see sip-core's SourceGate).
 */
export function zAllowedSources(defaults: string) {
  return z
    .string()
    .default(defaults)
    .transform((value, ctx) => {
      const entries = value
        .split(",")
        .map((v) => v.trim())
        .filter(Boolean);
      for (const entry of entries) {
        try {
          parseAllowedSource(entry);
        } catch (error) {
          ctx.addIssue({ code: "custom", message: (error as Error).message });
          return z.NEVER;
        }
      }
      return entries;
    });
}

/** An address as written in a list: brackets dropped, IPv4-mapped IPv6 (`::ffff:a.b.c.d`) as IPv4, lower case. */
export function normalizeIp(host: string): string {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  return (mapped?.[1] ?? bare).toLowerCase();
}

/** The addresses and CIDR blocks of a list such as {@link zAllowedSources} parses, to check sources against. */
export class AllowList {
  private readonly list = new BlockList();

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const { address, prefix } = parseAllowedSource(entry);
      const type = isIP(address) === 4 ? "ipv4" : "ipv6";
      if (prefix === undefined) this.list.addAddress(address, type);
      else this.list.addSubnet(address, prefix, type);
    }
  }

  /** Whether `host` (as a socket or transport reports it, IPv4-mapped or not) is in the list. */
  has(host: string): boolean {
    const address = normalizeIp(host);
    const family = isIP(address);
    return family !== 0 && this.list.check(address, family === 4 ? "ipv4" : "ipv6");
  }
}
