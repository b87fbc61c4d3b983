import fs from "node:fs";
import { WAV_HEADER_BYTES, wavHeader } from "./wav-writer";

export interface RepairedWav {
  readonly channels: number;
  readonly sampleRate: number;
  readonly frames: number;
}

/**
 * Makes a WAV cut short by a crash truthful: the RIFF and data sizes are set from the file's
 * length, and a trailing partial frame (a write cut in the middle) is truncated. Only the
 * canonical 44-byte header this recorder writes is understood. A file too short to hold it gets
 * a fresh header when `channels` is known (from the sidecar), else undefined is returned and the
 * file is left as it is.
 */
export function repairWavFile(
  file: string,
  fallback?: { channels: number; sampleRate: number },
): RepairedWav | undefined {
  const fd = fs.openSync(file, "r+");
  try {
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(WAV_HEADER_BYTES);
    const read = fs.readSync(fd, head, 0, WAV_HEADER_BYTES, 0);
    const valid =
      read === WAV_HEADER_BYTES &&
      head.toString("ascii", 0, 4) === "RIFF" &&
      head.toString("ascii", 8, 16) === "WAVEfmt " &&
      head.toString("ascii", 36, 40) === "data" &&
      head.readUInt16LE(22) > 0;
    let channels: number;
    let sampleRate: number;
    if (valid) {
      channels = head.readUInt16LE(22);
      sampleRate = head.readUInt32LE(24);
    } else if (fallback !== undefined && size < WAV_HEADER_BYTES) {
      ({ channels, sampleRate } = fallback);
    } else {
      return undefined;
    }
    const blockAlign = channels * 2;
    const frames = Math.floor(Math.max(0, size - WAV_HEADER_BYTES) / blockAlign);
    const dataBytes = frames * blockAlign;
    fs.writeSync(fd, wavHeader({ channels, sampleRate }, dataBytes), 0, WAV_HEADER_BYTES, 0);
    if (size !== WAV_HEADER_BYTES + dataBytes) fs.ftruncateSync(fd, WAV_HEADER_BYTES + dataBytes);
    return { channels, sampleRate, frames };
  } finally {
    fs.closeSync(fd);
  }
}
