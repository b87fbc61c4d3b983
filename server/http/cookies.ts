export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    try {
      out.set(name, decodeURIComponent(raw));
    } catch {
      // A cookie another site set with bad escapes is not ours to reject the request for.
    }
  }
  return out;
}

export function serializeCookie(
  name: string,
  value: string,
  opts: { expires?: Date; secure: boolean; maxAgeZero?: boolean },
): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, "Path=/", "HttpOnly", "SameSite=Lax"];
  if (opts.expires) parts.push(`Expires=${opts.expires.toUTCString()}`);
  if (opts.maxAgeZero) parts.push("Max-Age=0");
  if (opts.secure) parts.push("Secure");
  return parts.join("; ");
}
