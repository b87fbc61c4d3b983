import fs from "node:fs/promises";
import path from "node:path";

export type RecordingListing = {
  id: string;
  /**
   * The sidecar's `state` (`recording`, `finished`, `interrupted`); `finished` for a sidecar of
   * an older recorder that had none, `unknown` when there is no readable sidecar.
   */
  state: string;
  metadataFile: string | null;
  wavFile: string;
  metadata: unknown;
};

function stateOf(metadata: unknown): string {
  if (typeof metadata !== "object" || metadata === null) return "unknown";
  const record = metadata as Record<string, unknown>;
  if (typeof record.state === "string") return record.state;
  return typeof record.endReason === "string" ? "finished" : "unknown";
}

/**
 * The recordings under RECORDINGS_DIR as they are on disk: one entry per `<id>.wav`, with its
 * `<id>.json` sidecar (metadata and state) when there is one. A sidecar without its WAV is not a
 * recording anyone can play and is not listed; a sidecar that does not parse is listed with an
 * error rather than hiding the rest.
 */
export async function listRecordings(dir: string): Promise<RecordingListing[]> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const ids = entries.filter((e) => e.endsWith(".wav")).map((e) => e.slice(0, -".wav".length));
  ids.sort();
  return Promise.all(
    ids.map(async (id) => {
      const wavFile = path.join(dir, `${id}.wav`);
      if (!entries.includes(`${id}.json`))
        return { id, state: "unknown", metadataFile: null, wavFile, metadata: null };
      const metadataFile = path.join(dir, `${id}.json`);
      let metadata: unknown;
      try {
        metadata = JSON.parse(await fs.readFile(metadataFile, "utf8")) as unknown;
      } catch (error) {
        metadata = { error: `unreadable metadata: ${(error as Error).message}` };
      }
      return { id, state: stateOf(metadata), metadataFile, wavFile, metadata };
    }),
  );
}
