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

/** Goertzel coefficients 2·cos(2πf/fs) of the four rows then the four columns, computed once. */
const COEFFICIENTS = Float64Array.from(
  [...ROWS, ...COLUMNS],
  (f) => 2 * Math.cos((2 * Math.PI * f) / SAMPLE_RATE),
);
/** Goertzel power per frequency of the block being examined (detection runs per packet: no allocation). */
const powers = new Float64Array(8);

/**
 * The Goertzel power at the eight frequencies, in one pass over the samples (the same arithmetic,
 * per frequency, as eight passes).
 */
function goertzelPowers(samples: Int16Array): void {
  const c0 = COEFFICIENTS[0]!;
  const c1 = COEFFICIENTS[1]!;
  const c2 = COEFFICIENTS[2]!;
  const c3 = COEFFICIENTS[3]!;
  const c4 = COEFFICIENTS[4]!;
  const c5 = COEFFICIENTS[5]!;
  const c6 = COEFFICIENTS[6]!;
  const c7 = COEFFICIENTS[7]!;
  // prettier-ignore
  let a0 = 0, b0 = 0, a1 = 0, b1 = 0, a2 = 0, b2 = 0, a3 = 0, b3 = 0;
  // prettier-ignore
  let a4 = 0, b4 = 0, a5 = 0, b5 = 0, a6 = 0, b6 = 0, a7 = 0, b7 = 0;
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i]!;
    let s = x + c0 * a0 - b0;
    b0 = a0;
    a0 = s;
    s = x + c1 * a1 - b1;
    b1 = a1;
    a1 = s;
    s = x + c2 * a2 - b2;
    b2 = a2;
    a2 = s;
    s = x + c3 * a3 - b3;
    b3 = a3;
    a3 = s;
    s = x + c4 * a4 - b4;
    b4 = a4;
    a4 = s;
    s = x + c5 * a5 - b5;
    b5 = a5;
    a5 = s;
    s = x + c6 * a6 - b6;
    b6 = a6;
    a6 = s;
    s = x + c7 * a7 - b7;
    b7 = a7;
    a7 = s;
  }
  powers[0] = a0 * a0 + b0 * b0 - c0 * a0 * b0;
  powers[1] = a1 * a1 + b1 * b1 - c1 * a1 * b1;
  powers[2] = a2 * a2 + b2 * b2 - c2 * a2 * b2;
  powers[3] = a3 * a3 + b3 * b3 - c3 * a3 * b3;
  powers[4] = a4 * a4 + b4 * b4 - c4 * a4 * b4;
  powers[5] = a5 * a5 + b5 * b5 - c5 * a5 * b5;
  powers[6] = a6 * a6 + b6 * b6 - c6 * a6 * b6;
  powers[7] = a7 * a7 + b7 * b7 - c7 * a7 * b7;
}

/**
 * Index (0–3) of the strongest of the four powers from `from`, or -1 when it does not dominate
 * every other one of them by `DOMINANCE`.
 */
function dominant(from: number): number {
  let index = from;
  for (let i = from + 1; i < from + 4; i++) if (powers[i]! > powers[index]!) index = i;
  const power = powers[index]!;
  for (let i = from; i < from + 4; i++) if (i !== index && power < DOMINANCE * powers[i]!) return -1;
  return index - from;
}

/** The key ("0"–"9", "*", "#", "A"–"D") whose tone pair fills `samples`, or undefined. */
export function detectDtmf(samples: Int16Array): string | undefined {
  const n = samples.length;
  if (n < 80) return undefined;
  let energy = 0;
  for (let i = 0; i < n; i++) energy += samples[i]! * samples[i]!;
  // Each tone of amplitude A carries n·A²/2 of the block's energy: a block with less than one tone
  // of the weakest accepted amplitude carries cannot hold a pair (silence, line noise). Half the
  // pair's least energy, so that no estimate at the margin is judged otherwise than before.
  if (energy < (n * MIN_AMPLITUDE * MIN_AMPLITUDE) / 2) return undefined;
  goertzelPowers(samples);
  const row = dominant(0);
  const column = dominant(4);
  if (row === -1 || column === -1) return undefined;
  // A sine of amplitude A over n samples has Goertzel power (A·n/2)².
  const rowAmplitude = (2 * Math.sqrt(powers[row]!)) / n;
  const columnAmplitude = (2 * Math.sqrt(powers[4 + column]!)) / n;
  if (rowAmplitude < MIN_AMPLITUDE || columnAmplitude < MIN_AMPLITUDE) return undefined;
  if (Math.abs(20 * Math.log10(columnAmplitude / rowAmplitude)) > MAX_TWIST_DB) return undefined;
  const pairEnergy = (n * (rowAmplitude * rowAmplitude + columnAmplitude * columnAmplitude)) / 2;
  if (energy === 0 || pairEnergy < MIN_PURITY * energy) return undefined;
  return "123A456B789C*0#D"[row * 4 + column];
}
