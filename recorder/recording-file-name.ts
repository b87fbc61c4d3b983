import fs from "node:fs";
import path from "node:path";

const MAX_NAME_LENGTH = 120;

/**
 * A file-system-safe name from a recording id, a metadata session id (base64, so "/" and "+"
 * occur) or a Call-ID: only [A-Za-z0-9._-], no leading dot, bounded length. Empty when nothing
 * usable is left.
 */
export function safeRecordingName(raw: string): string {
  return raw
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "")
    .replace(/[^A-Za-z0-9._-]/g, "_")
    .replace(/^[.]+/, "")
    .slice(0, MAX_NAME_LENGTH);
}

/**
 * The first of `<base>`, `<base>-2`, `<base>-3`, … for which neither `<name>.wav` nor
 * `<name>.json` exists in `dir`, so a repeated recording id never overwrites an earlier
 * recording.
 */
export function uniqueRecordingName(dir: string, candidates: readonly (string | undefined)[]): string {
  const base =
    candidates.map((c) => (c === undefined ? "" : safeRecordingName(c))).find((c) => c !== "") ?? "recording";
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}-${n}`;
    if (!fs.existsSync(path.join(dir, `${name}.wav`)) && !fs.existsSync(path.join(dir, `${name}.json`)))
      return name;
  }
}
