import fs from "node:fs/promises";
import path from "node:path";

export type RecordingListing = {
  id: string;
  metadataFile: string;
  wavFile: string | null;
  metadata: unknown;
};

/**
 * The recordings under RECORDINGS_DIR: one `<id>.json` metadata file per recording session,
 * with its `<id>.wav` beside it. A metadata file that does not parse is listed with an error
 * rather than hiding the rest.
 */
export async function listRecordings(dir: string): Promise<RecordingListing[]> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const ids = entries.filter((e) => e.endsWith(".json")).map((e) => e.slice(0, -".json".length));
  ids.sort();
  return Promise.all(
    ids.map(async (id) => {
      const metadataFile = path.join(dir, `${id}.json`);
      const wav = path.join(dir, `${id}.wav`);
      let metadata: unknown;
      try {
        metadata = JSON.parse(await fs.readFile(metadataFile, "utf8")) as unknown;
      } catch (error) {
        metadata = { error: `unreadable metadata: ${(error as Error).message}` };
      }
      const hasWav = entries.includes(`${id}.wav`);
      return { id, metadataFile, wavFile: hasWav ? wav : null, metadata };
    }),
  );
}
