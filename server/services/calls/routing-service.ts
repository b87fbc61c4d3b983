import type { Db } from "../db";
import { DEFAULT_MEDIA_ENCRYPTION, type MediaEncryptionPolicy } from "../../../protocol/msml/engine-contract";

/** Who placed a call, as the SIP Server identified the INVITE's origin. */
export type CallOrigin = { kind: "extension"; dn: string } | { kind: "trunk"; dn: string; peerHost: string };

export type RouteDecision =
  | { kind: "extension"; dn: string; record: boolean; displayName: string }
  | { kind: "trunk"; dn: string; number: string; host: string; port: number; record: boolean }
  | {
      kind: "routing_point";
      dn: string;
      defaultTarget: string | null;
      defaultRecord: string;
      defaultParams: Record<string, string>;
    }
  | { kind: "reject"; status: 403 | 404 | 484; reason: string };

export type TrunkPeer = {
  dn: string;
  host: string;
  port: number;
  /** Only calls from `port` too are this trunk's (else any port of `host`). */
  portMatch: boolean;
  record: boolean;
};

/**
 * The dial plan, read from the DN configuration on every call so an admin's change applies to
 * the next call without a restart:
 * - from a trunk: the dialed number must be one of the trunk's inbound numbers, then goes to the
 *   DN with that number (extension or routing point);
 * - from an extension: an extension or routing point by number, else the trunk whose outbound
 *   prefix starts the number (prefix stripped).
 */
export class RoutingService {
  constructor(private readonly db: Db) {}

  /**
   * The SRTP policy of a party's legs (its DN's `mediaEncryption`), read for each new leg like the
   * rest of the dial plan; the engine's default for a DN that is gone.
   */
  async mediaEncryptionOf(dn: string): Promise<MediaEncryptionPolicy> {
    const row = await this.db.dn.findUnique({ where: { number: dn }, select: { mediaEncryption: true } });
    return (row?.mediaEncryption as MediaEncryptionPolicy | undefined) ?? DEFAULT_MEDIA_ENCRYPTION;
  }

  async trunks(): Promise<TrunkPeer[]> {
    const rows = await this.db.dn.findMany({ where: { type: "trunk" } });
    return rows
      .filter((row) => row.peerHost !== null)
      .map((row) => ({
        dn: row.number,
        host: row.peerHost!,
        port: row.peerPort ?? 5060,
        portMatch: row.peerPortMatch,
        record: row.record,
      }));
  }

  async isExtension(number: string): Promise<boolean> {
    const row = await this.db.dn.findUnique({ where: { number } });
    return row?.type === "extension";
  }

  async route(origin: CallOrigin, dialed: string): Promise<RouteDecision> {
    if (!/^[0-9A-Za-z*#+._-]{1,64}$/.test(dialed)) {
      return { kind: "reject", status: 484, reason: "Address Incomplete" };
    }
    if (origin.kind === "trunk") {
      const trunk = await this.db.dn.findUnique({ where: { number: origin.dn } });
      const inbound = (trunk?.inboundNumbers ?? "")
        .split(",")
        .map((n) => n.trim())
        .filter(Boolean);
      if (!inbound.includes(dialed)) {
        return {
          kind: "reject",
          status: 404,
          reason: `Number ${dialed} is not an inbound number of trunk ${origin.dn}`,
        };
      }
      const local = await this.localDn(dialed);
      return local ?? { kind: "reject", status: 404, reason: `No DN ${dialed}` };
    }
    const local = await this.localDn(dialed);
    if (local !== undefined) return local;
    const trunks = await this.db.dn.findMany({ where: { type: "trunk", outboundPrefix: { not: null } } });
    const trunk = trunks
      .filter(
        (row) =>
          row.outboundPrefix !== null && row.peerHost !== null && dialed.startsWith(row.outboundPrefix),
      )
      .sort((a, b) => b.outboundPrefix!.length - a.outboundPrefix!.length)[0];
    if (trunk === undefined) return { kind: "reject", status: 404, reason: `No route for ${dialed}` };
    const number = dialed.slice(trunk.outboundPrefix!.length);
    if (number === "") return { kind: "reject", status: 484, reason: "Address Incomplete" };
    return {
      kind: "trunk",
      dn: trunk.number,
      number,
      host: trunk.peerHost!,
      port: trunk.peerPort ?? 5060,
      record: trunk.record,
    };
  }

  private async localDn(number: string): Promise<RouteDecision | undefined> {
    const row = await this.db.dn.findUnique({ where: { number } });
    if (row === null) return undefined;
    if (row.type === "extension") {
      return { kind: "extension", dn: row.number, record: row.record, displayName: row.displayName };
    }
    if (row.type === "routing_point") {
      return {
        kind: "routing_point",
        dn: row.number,
        defaultTarget: row.routeTarget,
        defaultRecord: row.routeRecord,
        defaultParams: JSON.parse(row.routeParams) as Record<string, string>,
      };
    }
    return { kind: "reject", status: 403, reason: `${number} is a trunk` };
  }
}
