export interface ChannelTimelineOptions {
  readonly channels: number;
  /** Receives interleaved frames, oldest first, as the timeline moves past them. */
  readonly sink: (interleaved: Int16Array) => void;
  /**
   * Audio placed further than this beyond the flushed position is refused: the buffer stays
   * bounded whatever timestamps a peer sends.
   */
  readonly maxAheadFrames: number;
}

/**
 * The not-yet-written tail of a multi-channel recording. Samples are placed at absolute frame
 * positions (frame 0 = recording start); whatever no one placed stays zero, which is how pauses,
 * silence suppression and loss become silence. `flushTo` hands finished frames to the sink,
 * interleaved, and forgets them, so memory holds only the jitter window, not the recording.
 */
export class ChannelTimeline {
  readonly channels: number;
  private readonly sink: (interleaved: Int16Array) => void;
  private readonly maxAheadFrames: number;
  private readonly buffers: Int32Array[];
  /** Frame position of index 0 of every buffer; everything before it has been flushed. */
  private base = 0;
  /** One past the furthest frame any write touched. */
  private end = 0;

  constructor(options: ChannelTimelineOptions) {
    if (!Number.isInteger(options.channels) || options.channels < 1) {
      throw new RangeError(`a timeline needs at least one channel, got ${options.channels}`);
    }
    this.channels = options.channels;
    this.sink = options.sink;
    this.maxAheadFrames = options.maxAheadFrames;
    this.buffers = Array.from({ length: options.channels }, () => new Int32Array(1024));
  }

  get flushedFrames(): number {
    return this.base;
  }

  /** One past the last frame that holds placed audio (or the flushed position, if larger). */
  get endFrame(): number {
    return Math.max(this.end, this.base);
  }

  /**
   * Mixes `samples` into `channel` from frame `position` on. Samples before the flushed
   * position are too late to be written and are dropped, as are any beyond the look-ahead
   * bound. Returns how many samples were placed. Two streams of one participant add up
   * (clipped when written), as they would on a loudspeaker.
   */
  write(channel: number, position: number, samples: Int16Array): number {
    const buffer = this.buffers[channel];
    if (buffer === undefined) throw new RangeError(`no channel ${channel}`);
    const skip = Math.max(0, this.base - position);
    const start = position + skip - this.base;
    const stop = Math.min(position + samples.length - this.base, this.maxAheadFrames);
    if (stop <= start) return 0;
    const target = this.ensureCapacity(channel, stop);
    for (let i = start, j = skip; i < stop; i++, j++) target[i]! += samples[j]!;
    this.end = Math.max(this.end, this.base + stop);
    return stop - start;
  }

  /** Writes every frame before `frame` to the sink (silence where nothing was placed). */
  flushTo(frame: number): void {
    const count = Math.floor(frame) - this.base;
    if (count <= 0) return;
    // Long silences are emitted in bounded pieces rather than one allocation of their size.
    const chunk = 8000;
    for (let done = 0; done < count; done += chunk) this.flushChunk(Math.min(chunk, count - done));
  }

  private flushChunk(count: number): void {
    const out = new Int16Array(count * this.channels);
    for (let c = 0; c < this.channels; c++) {
      const buffer = this.buffers[c]!;
      const available = Math.min(count, buffer.length);
      for (let i = 0; i < available; i++) {
        const value = buffer[i]!;
        out[i * this.channels + c] = value > 32767 ? 32767 : value < -32768 ? -32768 : value;
      }
      if (available === buffer.length) buffer.fill(0);
      else {
        buffer.copyWithin(0, available);
        buffer.fill(0, buffer.length - available);
      }
    }
    this.base += count;
    this.sink(out);
  }

  private ensureCapacity(channel: number, length: number): Int32Array {
    const buffer = this.buffers[channel]!;
    if (length <= buffer.length) return buffer;
    let size = buffer.length;
    while (size < length) size *= 2;
    const grown = new Int32Array(size);
    grown.set(buffer);
    this.buffers[channel] = grown;
    return grown;
  }
}
