import type { Db } from "../db";

/**
 * HA1 digests of extensions for the registrar (RFC 7616 §3.4.2: the server keeps H(A1), never
 * the password). Undefined for numbers that cannot register: unknown, trunk, routing point, or
 * an extension without a password.
 */
export class SipCredentialsService {
  constructor(private readonly db: Db) {}

  async findHa1(username: string, algorithm: "MD5" | "SHA-256"): Promise<string | undefined> {
    const dn = await this.db.dn.findUnique({ where: { number: username } });
    if (dn === null || dn.type !== "extension") return undefined;
    return (algorithm === "MD5" ? dn.sipHa1Md5 : dn.sipHa1Sha256) ?? undefined;
  }
}
