import { SipCredentialsService } from "../config/sip-credentials-service";
import type { Db } from "../db";
import { SoftphoneCredentialService } from "./softphone-credential-service";

/**
 * What the registrar checks a REGISTER's digest against: the extension's own SIP password
 * (H(A1) on the DN) and the unexpired softphone credentials of the user bound to it.
 */
export function registrarCredentials(db: Db, realm: string) {
  const own = new SipCredentialsService(db);
  const temporary = new SoftphoneCredentialService(db, realm);
  return {
    findHa1: (username: string, algorithm: "MD5" | "SHA-256") => own.findHa1(username, algorithm),
    findTemporaryHa1s: (username: string, algorithm: "MD5" | "SHA-256") =>
      temporary.findHa1s(username, algorithm),
  };
}
