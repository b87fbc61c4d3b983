import fs from "node:fs";

/**
 * The state a recording's JSON sidecar declares. `recording`: the recorder was writing it when
 * the JSON was last written (and a crash may have stopped it there); `finished`: it ended
 * through one of the recorder's own exits; `interrupted`: the recorder died while writing it and
 * finalized it at its next start from what was on disk.
 */
export type RecordingState = "recording" | "finished" | "interrupted";

/** `endReason` of a recording finalized at start after the recorder died while writing it. */
export const INTERRUPTED_END_REASON = "recorder restarted after a crash";

/**
 * Writes `value` as the JSON file `file` through a temporary file and a rename, so a reader (or a
 * crash) never sees half a document: rename(2) replaces the old file atomically.
 */
export function writeJsonFile(file: string, value: unknown): void {
  const temporary = `${file}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(temporary, file);
}
