/**
 * Finds DTMF in a block of 8 kHz linear audio (one G.711 packet, usually 160 samples).
 *
 * ITU-T Q.23 puts each key on one of four low ("row") and one of four high ("column")
 * frequencies; Q.24 has receivers accept a pair whose tones are each strong enough, whose levels
 * differ by a bounded "twist", and which stand out from everything else in the band. The test is
 * the Goertzel power at the eight frequencies. It errs towards finding DTMF: its job is to keep
 * card numbers out of recordings, where a false alarm costs 20 ms of speech replaced by silence
 * and a miss leaks a digit.
 */

const ROWS = [697, 770, 852, 941] as const;
const COLUMNS = [1209, 1336, 1477, 1633] as const;
const SAMPLE_RATE = 8000;

/**
 * Weakest tone accepted, as a sine's amplitude in 16-bit linear units: about −36 dBm0 for G.711
 * (a 0 dBm0 sine peaks near 22,400), below Q.24's weakest required level.
 */
const MIN_AMPLITUDE = 350;
/** Q.24 allows up to 8 dB normal twist and 4 dB reverse twist; both ways are taken as 10 dB. */
const MAX_TWIST_DB = 10;
/** The strongest row (column) tone must exceed the group's next by this power ratio (4 dB). */
const DOMINANCE = 2.5;
/** The pair must hold at least this share of the block's energy (speech spreads it wide). */
const MIN_PURITY = 0.5;

function goertzelPower(samples: Int16Array, frequency: number): number {
  const coefficient = 2 * Math.cos((2 * Math.PI * frequency) / SAMPLE_RATE);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < samples.length; i++) {
    const s0 = samples[i]! + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coefficient * s1 * s2;
}

/** Index of the largest value and whether it dominates the others by `DOMINANCE`. */
function dominant(powers: number[]): { index: number; power: number; clear: boolean } {
  let index = 0;
  for (let i = 1; i < powers.length; i++) if (powers[i]! > powers[index]!) index = i;
  const power = powers[index]!;
  const clear = powers.every((p, i) => i === index || power >= DOMINANCE * p);
  return { index, power, clear };
}

/** The key ("0"–"9", "*", "#", "A"–"D") whose tone pair fills `samples`, or undefined. */
export function detectDtmf(samples: Int16Array): string | undefined {
  const n = samples.length;
  if (n < 80) return undefined;
  const row = dominant(ROWS.map((f) => goertzelPower(samples, f)));
  const column = dominant(COLUMNS.map((f) => goertzelPower(samples, f)));
  if (!row.clear || !column.clear) return undefined;
  // A sine of amplitude A over n samples has Goertzel power (A·n/2)².
  const rowAmplitude = (2 * Math.sqrt(row.power)) / n;
  const columnAmplitude = (2 * Math.sqrt(column.power)) / n;
  if (rowAmplitude < MIN_AMPLITUDE || columnAmplitude < MIN_AMPLITUDE) return undefined;
  if (Math.abs(20 * Math.log10(columnAmplitude / rowAmplitude)) > MAX_TWIST_DB) return undefined;
  let energy = 0;
  for (let i = 0; i < n; i++) energy += samples[i]! * samples[i]!;
  // Each tone of amplitude A carries n·A²/2 of the block's energy.
  const pairEnergy = (n * (rowAmplitude * rowAmplitude + columnAmplitude * columnAmplitude)) / 2;
  if (energy === 0 || pairEnergy < MIN_PURITY * energy) return undefined;
  return "123A456B789C*0#D"[row.index * 4 + column.index];
}
