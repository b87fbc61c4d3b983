import fs from "node:fs";
import path from "node:path";
import { INTERRUPTED_END_REASON, writeJsonFile } from "./recording-sidecar";
import { repairWavFile } from "./repair-wav-file";

export interface RecoveredRecording {
  readonly name: string;
  readonly durationMs: number;
  /** Whether a sidecar said it was recording (false: a WAV without one). */
  readonly hadSidecar: boolean;
}

export interface RecoveryProblem {
  readonly name: string;
  readonly error: unknown;
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Finalizes what a recorder that died (kill -9, power loss) left in `dir`, before a new one
 * accepts recordings there: every recording whose sidecar still says `"state": "recording"`, and
 * every WAV without a sidecar, gets its WAV header set from the file length and its sidecar
 * (re)written with `"state": "interrupted"`, `"endReason": "recorder restarted after a crash"` and
 * the duration actually on disk. Finished recordings are not touched. Half-written sidecars
 * (`*.json.tmp`) are removed: the rename that would have published them never happened.
 */
export function recoverRecordings(
  dir: string,
  now: () => number = Date.now,
): { recovered: RecoveredRecording[]; problems: RecoveryProblem[] } {
  const recovered: RecoveredRecording[] = [];
  const problems: RecoveryProblem[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { recovered, problems };
    throw error;
  }
  for (const entry of entries)
    if (entry.endsWith(".json.tmp")) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
  const names = new Set(
    entries
      .filter((e) => e.endsWith(".json") || e.endsWith(".wav"))
      .map((e) => e.replace(/\.(json|wav)$/, "")),
  );
  for (const name of [...names].sort()) {
    try {
      const result = recoverOne(dir, name, entries, now);
      if (result !== undefined) recovered.push(result);
    } catch (error) {
      problems.push({ name, error });
    }
  }
  return { recovered, problems };
}

function recoverOne(
  dir: string,
  name: string,
  entries: readonly string[],
  now: () => number,
): RecoveredRecording | undefined {
  const jsonFile = path.join(dir, `${name}.json`);
  const wavFile = path.join(dir, `${name}.wav`);
  const hasJson = entries.includes(`${name}.json`);
  const hasWav = entries.includes(`${name}.wav`);
  const sidecar = hasJson ? readJson(jsonFile) : undefined;
  if (hasJson && sidecar?.state !== "recording") return undefined;

  const channels = typeof sidecar?.channels === "number" ? sidecar.channels : undefined;
  const sampleRate = typeof sidecar?.sampleRate === "number" ? sidecar.sampleRate : 8000;
  const repaired = hasWav
    ? repairWavFile(wavFile, channels === undefined ? undefined : { channels, sampleRate })
    : undefined;
  const durationMs = repaired === undefined ? 0 : Math.round((repaired.frames * 1000) / repaired.sampleRate);
  const startedAt = typeof sidecar?.startedAt === "string" ? Date.parse(sidecar.startedAt) : Number.NaN;
  const pauses = Array.isArray(sidecar?.pauses)
    ? (sidecar.pauses as { startMs: number; endMs: number | null }[]).map((p) => ({
        startMs: Math.min(p.startMs, durationMs),
        endMs: Math.min(p.endMs ?? durationMs, durationMs),
      }))
    : [];
  writeJsonFile(jsonFile, {
    ...(sidecar ?? {
      recordingId: null,
      sessionId: null,
      segment: null,
      startedAt: null,
      wavFile: `${name}.wav`,
    }),
    state: "interrupted",
    // The audio on disk is what the recording holds: it ended where the file ends.
    endedAt: Number.isNaN(startedAt) ? null : new Date(startedAt + durationMs).toISOString(),
    durationMs,
    endReason: INTERRUPTED_END_REASON,
    ...(repaired === undefined
      ? { wavFile: null }
      : { channels: repaired.channels, sampleRate: repaired.sampleRate }),
    pauses,
    recoveredAt: new Date(now()).toISOString(),
  });
  return { name, durationMs, hadSidecar: sidecar !== undefined };
}
