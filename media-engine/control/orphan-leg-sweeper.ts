import { parseOwnedLegs } from "../../protocol/msml";
import type { MediaLeg } from "./media-leg";

/** Server boot ids remembered; a server restarting more often than this between two legs is not a case to plan for. */
const REMEMBERED_BOOTS = 64;

/**
 * Finds legs whose SIP Server died (protocol/msml/engine-contract.ts): on an OPTIONS carrying a
 * server boot id not seen on an OPTIONS before, every leg opened under another server boot id
 * and not named in X-Forkline-Owned-Legs is an orphan. Its call died with the old server, whose
 * successor would never send it a BYE; left alone it would hold its ports until RTP inactivity
 * (forever when that timer is off, or while a phone keeps streaming into a dead call).
 *
 * Only OPTIONS make a boot id "seen": a restarted server may open legs (INVITEs carry its boot
 * id too) before its first health check, and the sweep must still happen on that check. Legs
 * opened without a server boot id (older servers, tests) are never orphans.
 */
export class OrphanLegSweeper {
  private readonly seen = new Set<string>();
  private releasedTotal = 0;

  /** The legs to release quietly for this OPTIONS; empty unless `serverBoot` is new. */
  sweep(serverBoot: string | undefined, ownedLegs: string | undefined, legs: Iterable<MediaLeg>): MediaLeg[] {
    if (serverBoot === undefined || serverBoot === "" || this.seen.has(serverBoot)) return [];
    this.seen.add(serverBoot);
    if (this.seen.size > REMEMBERED_BOOTS) this.seen.delete(this.seen.values().next().value!);
    const owned = new Set(parseOwnedLegs(ownedLegs));
    const orphans = [...legs].filter(
      (leg) => leg.serverBoot !== undefined && leg.serverBoot !== serverBoot && !owned.has(leg.connId),
    );
    this.releasedTotal += orphans.length;
    return orphans;
  }

  get released(): number {
    return this.releasedTotal;
  }
}
