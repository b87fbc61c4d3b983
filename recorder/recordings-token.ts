import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** Where a generated token is kept, beside the recordings it guards (hidden from the listing). */
export const TOKEN_FILE = ".http-token";

/**
 * The bearer token the recordings listing and files require: RECORDER_HTTP_TOKEN when set,
 * otherwise one generated on the first start and kept in `<recordingsDir>/.http-token`
 * (mode 0600) so it stays the same across restarts and whoever may read the recordings on disk
 * may read it too.
 */
export function recordingsToken(recordingsDir: string, configured: string | undefined): string {
  if (configured !== undefined) return configured;
  const file = path.join(recordingsDir, TOKEN_FILE);
  try {
    const saved = fs.readFileSync(file, "utf8").trim();
    if (saved.length >= 16) return saved;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  fs.mkdirSync(recordingsDir, { recursive: true });
  const token = randomBytes(24).toString("base64url");
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}
