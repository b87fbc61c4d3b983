import fs from "node:fs";
import path from "node:path";
import { readWav } from "./audio-analysis";

/** The JSON sidecar `<name>.json` in `dir`, parsed. */
export function readSidecar(dir: string, name: string): Record<string, unknown> & { state?: string } {
  return JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), "utf8")) as Record<string, unknown>;
}

/**
 * Checks that `<name>.wav` is a WAV whose header tells the truth about the file (RIFF size = file
 * length - 8, data size = file length - 44) and returns its length in milliseconds.
 */
export function wavDurationMs(dir: string, name: string): number {
  const file = path.join(dir, `${name}.wav`);
  const wav = readWav(file);
  const size = fs.statSync(file).size;
  if (wav.riffSize !== size - 8 || wav.dataSize !== size - 44)
    throw new Error(
      `${name}.wav: header says RIFF ${wav.riffSize} / data ${wav.dataSize}, file has ${size} bytes`,
    );
  return (wav.samples[0]!.length * 1000) / wav.sampleRate;
}
