import crypto from "node:crypto";

/** A random bearer secret (session cookie or API token) and the hash we store instead of it. */
export function createSecretToken(prefix: string): { token: string; hash: string } {
  const token = `${prefix}_${crypto.randomBytes(32).toString("base64url")}`;
  return { token, hash: hashSecretToken(token) };
}

export function hashSecretToken(token: string): string {
  return crypto.createHash("sha256").update(token).digest("hex");
}

export function randomPassword(): string {
  return crypto.randomBytes(12).toString("base64url");
}
