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
 * What follows the recording id in the file name of segment `segment` of a recording: nothing for
 * the first (so a recording that is never continued keeps the plain `<recording id>.wav`), and
 * `.seg<n>` from the second on, so the segments of one recording sort and glob together
 * (`rec-42.wav`, `rec-42.seg2.wav`, …).
 */
export function segmentSuffix(segment: number): string {
  return segment <= 1 ? "" : `.seg${segment}`;
}

/**
 * The first of `<base><suffix>`, `<base><suffix>-2`, `<base><suffix>-3`, … for which neither
 * `<name>.wav` nor `<name>.json` exists in `dir`, so a repeated recording id (or segment) never
 * overwrites an earlier recording.
 */
export function uniqueRecordingName(
  dir: string,
  candidates: readonly (string | undefined)[],
  suffix = "",
): string {
  const base =
    (candidates.map((c) => (c === undefined ? "" : safeRecordingName(c))).find((c) => c !== "") ??
      "recording") + suffix;
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}-${n}`;
    if (!fs.existsSync(path.join(dir, `${name}.wav`)) && !fs.existsSync(path.join(dir, `${name}.json`)))
      return name;
  }
}
