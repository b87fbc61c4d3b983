import { randomBytes } from "node:crypto";
import { Counter } from "prom-client";
import { computeDigestHa1, type DigestAlgorithm } from "../../../protocol/sip";
import { AppError, AppErrorCode } from "../../errors/app-error";
import type { Actor } from "../actor";
import type { Prisma } from "../../../generated/prisma";
import type { Db } from "../db";

/** How long an issued credential may be used to register: the softphone renews it well before. */
export const SOFTPHONE_CREDENTIAL_TTL_MS = 5 * 60_000;

export type SoftphoneCredential = { username: string; password: string; expiresAt: Date };

type Outcome = "issued" | "refused_disabled" | "refused_unbound" | "refused_other_extension";

/**
 * Credentials issued and refused, by outcome. Registered on the server's /metrics by main.ts (a
 * module-level counter, since the tRPC procedure builds the service per request).
 */
export const softphoneCredentialsCounter = new Counter({
  name: "forkline_softphone_credentials_total",
  help: "Short-lived softphone SIP credentials issued to signed-in users, and refusals by reason.",
  labelNames: ["outcome"],
  registers: [],
});
const count = (outcome: Outcome) => softphoneCredentialsCounter.inc({ outcome });

/**
 * Password-less softphones (issue 17 §9): a signed-in user bound to an extension asks for a SIP
 * credential instead of typing the extension's password. The credential is the extension's
 * number and a random secret that works for `SOFTPHONE_CREDENTIAL_TTL_MS`. The database keeps only
 * its RFC 7616 H(A1) digests (MD5 and SHA-256, as for a DN's own password), so it works on both
 * instances of an HA pair and across a restart; the secret itself is returned once and never
 * logged. The registrar accepts it beside the DN's password while it has not expired and its user
 * is still enabled and still bound to that extension (`findHa1s`).
 */
export class SoftphoneCredentialService {
  constructor(
    private readonly db: Db,
    private readonly realm: string,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = SOFTPHONE_CREDENTIAL_TTL_MS,
  ) {}

  /** A fresh credential for the extension bound to `actor` (`dn`, when given, must be that one). */
  async issue(actor: Actor, dn?: string): Promise<SoftphoneCredential> {
    const user =
      actor.userId === null
        ? null
        : await this.db.user.findUnique({
            where: { id: actor.userId },
            select: { id: true, disabled: true, extension: true },
          });
    if (user === null)
      throw new AppError(AppErrorCode.UNAUTHORIZED, "Only a signed-in user gets a softphone credential.");
    if (user.disabled) {
      count("refused_disabled");
      throw new AppError(AppErrorCode.FORBIDDEN, "The signed-in user is disabled.");
    }
    if (user.extension === null) {
      count("refused_unbound");
      throw new AppError(
        AppErrorCode.FORBIDDEN,
        "No extension is assigned to you; register with an extension's SIP password, or ask an admin to assign one.",
      );
    }
    if (dn !== undefined && dn !== user.extension) {
      count("refused_other_extension");
      throw new AppError(
        AppErrorCode.FORBIDDEN,
        `A softphone credential is only for your own extension ${user.extension}, not ${dn}.`,
      );
    }
    const password = randomBytes(24).toString("base64url");
    const now = this.now();
    const expiresAt = new Date(now + this.ttlMs);
    await this.db.$transaction([
      // Expired credentials are of no use to anyone: each issue sweeps them.
      this.db.softphoneCredential.deleteMany({ where: { expiresAt: { lte: new Date(now) } } }),
      this.db.softphoneCredential.create({
        data: {
          userId: user.id,
          dn: user.extension,
          ha1Md5: computeDigestHa1("MD5", user.extension, this.realm, password),
          ha1Sha256: computeDigestHa1("SHA-256", user.extension, this.realm, password),
          expiresAt,
        },
      }),
    ]);
    count("issued");
    return { username: user.extension, password, expiresAt };
  }

  /**
   * H(A1) of the credentials that may register `dn` now: not expired, and their user still
   * exists, is enabled and is still bound to `dn` (an admin's change takes effect at once).
   */
  async findHa1s(dn: string, algorithm: DigestAlgorithm): Promise<string[]> {
    const rows = await this.db.softphoneCredential.findMany({
      where: { dn, expiresAt: { gt: new Date(this.now()) } },
      select: { userId: true, ha1Md5: true, ha1Sha256: true },
    });
    if (rows.length === 0) return [];
    const users = await this.db.user.findMany({
      where: { id: { in: [...new Set(rows.map((r) => r.userId))] }, disabled: false, extension: dn },
      select: { id: true },
    });
    const allowed = new Set(users.map((u) => u.id));
    return rows
      .filter((r) => allowed.has(r.userId))
      .map((r) => (algorithm === "MD5" ? r.ha1Md5 : r.ha1Sha256));
  }
}

/**
 * Ends every softphone credential of a user at once, in the caller's transaction: when they sign
 * out, are disabled or deleted, or get a new password. A REGISTER with one is refused from then on
 * (not only hidden while disabled: re-enabling the user does not bring it back). The softphone asks
 * for a new one once signed in again. Returns how many.
 */
export async function revokeSoftphoneCredentials(
  tx: Prisma.TransactionClient,
  userId: string,
): Promise<number> {
  const { count } = await tx.softphoneCredential.deleteMany({ where: { userId } });
  return count;
}
