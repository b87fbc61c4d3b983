/**
 * Level and dominant frequency of a live audio stream, from an AnalyserNode's FFT. The softphone shows it
 * so a person (and the e2e test) can tell *which* far end they hear, not merely "some audio".
 */
export class ToneMeter {
  private readonly context: AudioContext;
  private readonly analyser: AnalyserNode;
  private readonly bins: Float32Array<ArrayBuffer>;

  constructor(stream: MediaStream) {
    this.context = new AudioContext();
    const source = this.context.createMediaStreamSource(stream);
    this.analyser = this.context.createAnalyser();
    this.analyser.fftSize = 4096;
    this.bins = new Float32Array(this.analyser.frequencyBinCount);
    source.connect(this.analyser);
  }

  /** Hz of the strongest bin, or null when the stream is silent (below -70 dBFS). */
  dominantFrequency(): number | null {
    this.analyser.getFloatFrequencyData(this.bins);
    let best = 0;
    for (let i = 1; i < this.bins.length; i++) if (this.bins[i]! > this.bins[best]!) best = i;
    if (this.bins[best]! < -70) return null;
    return Math.round((best * this.context.sampleRate) / this.analyser.fftSize);
  }

  /** RMS level in dBFS of the last analyser window (-100 for digital silence), for a level bar. */
  levelDb(): number {
    const samples = new Float32Array(this.analyser.fftSize);
    this.analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const s of samples) sum += s * s;
    const rms = Math.sqrt(sum / samples.length);
    return rms > 0 ? Math.max(-100, 20 * Math.log10(rms)) : -100;
  }

  close(): void {
    void this.context.close();
  }
}
