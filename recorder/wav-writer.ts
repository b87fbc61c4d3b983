import fs from "node:fs";

export interface WavFormat {
  readonly channels: number;
  readonly sampleRate: number;
}

export const WAV_HEADER_BYTES = 44;
const BYTES_PER_SAMPLE = 2;
/** The RIFF size fields are 32-bit; data beyond this would make the header lie. */
const MAX_DATA_BYTES = 0xffff_ffff - (WAV_HEADER_BYTES - 8);

/**
 * The canonical 44-byte header of a PCM WAVE file (RIFF, "fmt " chunk of 16 bytes, "data"
 * chunk), 16-bit little-endian samples. `dataBytes` is the size of the sample data that follows.
 */
export function wavHeader(format: WavFormat, dataBytes: number): Buffer {
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  const blockAlign = format.channels * BYTES_PER_SAMPLE;
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(WAV_HEADER_BYTES - 8 + dataBytes, 4);
  header.write("WAVE", 8, "ascii");
  header.write("fmt ", 12, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // WAVE_FORMAT_PCM
  header.writeUInt16LE(format.channels, 22);
  header.writeUInt32LE(format.sampleRate, 24);
  header.writeUInt32LE(format.sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(BYTES_PER_SAMPLE * 8, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

/**
 * A WAV file written as the recording goes: interleaved frames are appended and the two RIFF
 * sizes are rewritten after every append, so a file cut short by a crash still opens with the
 * audio written so far. Writes are synchronous and come in batches of a few hundred
 * milliseconds of audio, which keeps finalization free of races with in-flight writes.
 */
export class WavFileWriter {
  private fd: number | undefined;
  private dataBytes = 0;
  private truncated = false;

  private constructor(
    readonly file: string,
    readonly format: WavFormat,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** Creates `file` (failing if it exists, so two recordings never share a file). */
  static create(file: string, format: WavFormat): WavFileWriter {
    if (!Number.isInteger(format.channels) || format.channels < 1 || format.channels > 0xffff) {
      throw new RangeError(`a WAV file needs 1 to 65535 channels, got ${format.channels}`);
    }
    const fd = fs.openSync(file, "wx");
    try {
      fs.writeSync(fd, wavHeader(format, 0), 0, WAV_HEADER_BYTES, 0);
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
    return new WavFileWriter(file, format, fd);
  }

  get framesWritten(): number {
    return this.dataBytes / (this.format.channels * BYTES_PER_SAMPLE);
  }

  /** Whether audio was dropped because the file reached the 4 GiB RIFF limit. */
  get reachedSizeLimit(): boolean {
    return this.truncated;
  }

  get closed(): boolean {
    return this.fd === undefined;
  }

  /** Appends interleaved frames (`channels` samples per frame). */
  writeFrames(interleaved: Int16Array): void {
    const fd = this.fd;
    if (fd === undefined) throw new Error(`${this.file} is closed`);
    if (interleaved.length % this.format.channels !== 0) {
      throw new RangeError(
        `${interleaved.length} samples is not a whole number of ${this.format.channels}-channel frames`,
      );
    }
    const room = Math.floor((MAX_DATA_BYTES - this.dataBytes) / BYTES_PER_SAMPLE);
    const count = Math.min(interleaved.length, room - (room % this.format.channels));
    if (count < interleaved.length) this.truncated = true;
    if (count <= 0) return;
    const bytes = Buffer.allocUnsafe(count * BYTES_PER_SAMPLE);
    for (let i = 0; i < count; i++) bytes.writeInt16LE(interleaved[i]!, i * BYTES_PER_SAMPLE);
    fs.writeSync(fd, bytes, 0, bytes.length, WAV_HEADER_BYTES + this.dataBytes);
    this.dataBytes += bytes.length;
    this.writeSizes(fd);
  }

  close(): void {
    const fd = this.fd;
    if (fd === undefined) return;
    this.fd = undefined;
    try {
      this.writeSizes(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  private writeSizes(fd: number): void {
    const sizes = Buffer.alloc(4);
    sizes.writeUInt32LE(WAV_HEADER_BYTES - 8 + this.dataBytes, 0);
    fs.writeSync(fd, sizes, 0, 4, 4);
    sizes.writeUInt32LE(this.dataBytes, 0);
    fs.writeSync(fd, sizes, 0, 4, 40);
  }
}
