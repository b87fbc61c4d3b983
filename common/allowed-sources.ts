import { isIP } from "node:net";
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
