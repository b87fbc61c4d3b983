/** The lowest and highest sample of one column of a waveform, each in -1..1. */
export type Peak = { min: number; max: number };

/**
 * One channel's samples reduced to `columns` min/max pairs, one per pixel column: what a
 * waveform draws. Drawn by hand rather than with wavesurfer.js: two canvases of min/max bars are
 * a few lines, and the player needs its own layout (one row per channel, pause and gap spans,
 * the app's keyboard handling) which the library would have to be bent to, for 100 kB more.
 */
export function waveformPeaks(samples: Float32Array, columns: number): Peak[] {
  const peaks: Peak[] = [];
  const per = samples.length / Math.max(1, columns);
  for (let column = 0; column < columns; column++) {
    const from = Math.floor(column * per);
    const to = Math.max(from + 1, Math.floor((column + 1) * per));
    let min = 0;
    let max = 0;
    for (let i = from; i < to && i < samples.length; i++) {
      const v = samples[i] ?? 0;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    peaks.push({ min, max });
  }
  return peaks;
}

/**
 * Draws the peaks as vertical bars around the middle line of `canvas`, sized to its box at the
 * screen's pixel density so the bars stay sharp.
 */
export function drawWaveform(canvas: HTMLCanvasElement, samples: Float32Array, color: string): void {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.floor(canvas.clientWidth * ratio));
  const height = Math.max(1, Math.floor(canvas.clientHeight * ratio));
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  if (context === null) return;
  context.clearRect(0, 0, width, height);
  const middle = height / 2;
  context.fillStyle = "#cbd5e1";
  context.fillRect(0, Math.floor(middle), width, Math.max(1, Math.round(ratio)));
  context.fillStyle = color;
  waveformPeaks(samples, width).forEach((peak, x) => {
    const top = middle - peak.max * middle;
    const bottom = middle - peak.min * middle;
    context.fillRect(x, top, 1, Math.max(1, bottom - top));
  });
}
