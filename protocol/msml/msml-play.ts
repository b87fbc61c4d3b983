/**
 * `<play>` of a synthesised tone inside `<dialogstart>` (RFC 5707, MSML Dialog Base package): the
 * recording notification tone (issue 15 §7) that a party hears when a recording starts or
 * resumes, and optionally every N seconds while it records.
 *
 * The representation stays within MSML: a `<dialogstart type="application/moml+xml">` whose inline
 * dialog is one `<play>` holding one `<audio uri="…">` (RFC 5707 §9.6.1: "The dialog is specified
 * either inline or by a URI"). The media engine ships no audio files, so the only URI it plays is
 * a `tone:` URI that names the tone to synthesise:
 *
 *     <dialogstart target="conn:a73kd9" type="application/moml+xml">
 *       <play iterate="forever" interval="15s" whilerecording="conn:a73kd9/dialog:rec1">
 *         <audio uri="tone:1400;duration=500ms"/>
 *       </play>
 *     </dialogstart>
 *
 * - `tone:<hertz>;duration=<MSML time>`: a sine of that frequency (telephone band, 300–3400 Hz)
 *   for that long (20 ms – 5 s). A URI of any other scheme (`file:`, `http:`) is refused with 410.
 * - `iterate` (absent: once; a whole number up to 1000 or "forever") and `interval` are the
 *   `<play>` attributes RFC 5707 defines for repeating a play; here `interval` is the time from the
 *   start of one iteration to the start of the next (1 s – 1 h), and "forever" needs one.
 * - `whilerecording` (a Forkline extension, like `<record dtmfmask>`): the dialog id of a recording
 *   the play belongs to. The engine ends the play when that recording pauses, stops or fails, so no
 *   repeat is heard while nothing is recorded and no pause can race a pending repeat.
 *
 * The play's other attributes that change what is heard (`maxtime`, `offset`) are refused with 407; an `iterations` on `<audio>` too (repeat the `<play>`). Other media
 * (`<tts>`, `<vid>`, `<media>`, `<var>`) are refused with 402.
 */
import { isDialogId, parseMsmlDuration } from "./msml-identifiers";
import { MsmlStatus } from "./msml-status";
import { MsmlError, type MsmlPlay, type MsmlTone } from "./msml-types";
import { attr, childElements, fail, optional, requiredAttr, type XmlElement } from "./msml-xml";

/** What the media engine synthesises and how often it repeats it. */
export const TONE_LIMITS = {
  minFrequencyHz: 300,
  maxFrequencyHz: 3400,
  minDurationMs: 20,
  maxDurationMs: 5_000,
  maxIterations: 1_000,
  minIntervalMs: 1_000,
  maxIntervalMs: 3_600_000,
} as const;

const TONE_URI = /^tone:([0-9]{1,6});duration=([^;]+)$/;

const UNSUPPORTED_PLAY_ATTRIBUTES = ["maxtime", "offset"] as const;
const UNSUPPORTED_MEDIA = new Set(["tts", "vid", "media", "var", "playexit"]);

function invalid(message: string): never {
  throw new MsmlError(MsmlStatus.INVALID_ATTRIBUTE_VALUE.code, message);
}

/** `tone:1400;duration=500ms` → { frequencyHz: 1400, durationMs: 500 }, or an MSML 410. */
export function parseToneUri(uri: string): MsmlTone {
  if (!uri.startsWith("tone:")) {
    invalid(`<audio> uri "${uri}": only synthesised tones (tone:<hertz>;duration=<time>) can be played`);
  }
  const match = TONE_URI.exec(uri);
  if (match === null) invalid(`<audio> uri "${uri}" is not tone:<hertz>;duration=<time>`);
  const frequencyHz = Number(match[1]);
  const durationMs = parseMsmlDuration(match[2]!);
  if (frequencyHz < TONE_LIMITS.minFrequencyHz || frequencyHz > TONE_LIMITS.maxFrequencyHz) {
    invalid(
      `tone frequency ${frequencyHz} Hz is outside ${TONE_LIMITS.minFrequencyHz}–${TONE_LIMITS.maxFrequencyHz} Hz`,
    );
  }
  if (durationMs === undefined) invalid(`tone duration "${match[2]}" is not a time like "500ms"`);
  if (durationMs < TONE_LIMITS.minDurationMs || durationMs > TONE_LIMITS.maxDurationMs) {
    invalid(
      `tone duration ${durationMs} ms is outside ${TONE_LIMITS.minDurationMs}–${TONE_LIMITS.maxDurationMs} ms`,
    );
  }
  return { frequencyHz, durationMs };
}

/** The `tone:` URI of a tone (the writer's half of {@link parseToneUri}). */
export function formatToneUri(tone: MsmlTone): string {
  if (!Number.isSafeInteger(tone.frequencyHz) || !Number.isSafeInteger(tone.durationMs)) {
    fail(`a tone needs whole hertz and milliseconds, not ${tone.frequencyHz} Hz / ${tone.durationMs} ms`);
  }
  return `tone:${tone.frequencyHz};duration=${tone.durationMs}ms`;
}

function parseIterations(el: XmlElement): MsmlPlay["iterations"] {
  const value = attr(el, "iterate");
  if (value === undefined) return undefined;
  if (value === "forever") return "forever";
  if (!/^[0-9]{1,7}$/.test(value) || Number(value) < 1 || Number(value) > TONE_LIMITS.maxIterations) {
    invalid(`<play> iterate "${value}" is not "forever" nor a whole number 1–${TONE_LIMITS.maxIterations}`);
  }
  return Number(value);
}

function parseInterval(el: XmlElement): number | undefined {
  const value = attr(el, "interval");
  if (value === undefined) return undefined;
  const ms = parseMsmlDuration(value);
  if (ms === undefined) fail(`<play> interval "${value}" is not a time like "15s"`);
  if (ms < TONE_LIMITS.minIntervalMs || ms > TONE_LIMITS.maxIntervalMs) {
    invalid(
      `<play> interval ${ms} ms is outside ${TONE_LIMITS.minIntervalMs}–${TONE_LIMITS.maxIntervalMs} ms`,
    );
  }
  return ms;
}

/** Checks what the reader and the writer both require of a play: an interval to repeat by. */
export function checkPlay(play: MsmlPlay): void {
  if (play.iterations === "forever" && play.intervalMs === undefined) {
    invalid('<play iterate="forever"> needs an interval: the tone would never stop');
  }
  if (play.intervalMs !== undefined && play.intervalMs < play.tone.durationMs) {
    invalid(`<play> interval ${play.intervalMs} ms is shorter than its ${play.tone.durationMs} ms tone`);
  }
}

/** `<play>` with one `<audio uri="tone:…">`. */
export function parsePlay(el: XmlElement): MsmlPlay {
  for (const name of UNSUPPORTED_PLAY_ATTRIBUTES) {
    if (attr(el, name) !== undefined) {
      throw new MsmlError(MsmlStatus.ATTRIBUTE_NOT_SUPPORTED.code, `<play> ${name} is not supported`);
    }
  }
  const children = childElements(el);
  const audio = children[0];
  if (audio === undefined) fail("<play> has nothing to play: expected an <audio> child");
  for (const child of children) {
    if (child.name === "audio") continue;
    if (UNSUPPORTED_MEDIA.has(child.name)) {
      throw new MsmlError(MsmlStatus.UNSUPPORTED_ELEMENT.code, `<${child.name}> in <play> is not supported`);
    }
    fail(`unknown element <${child.name}> in <play>`);
  }
  if (children.length > 1) {
    throw new MsmlError(MsmlStatus.UNSUPPORTED_ELEMENT.code, "a <play> here holds exactly one <audio>");
  }
  if (attr(audio, "iterations") !== undefined) {
    throw new MsmlError(
      MsmlStatus.ATTRIBUTE_NOT_SUPPORTED.code,
      "<audio> iterations is not supported: repeat the <play>",
    );
  }
  const first = childElements(audio)[0];
  if (first !== undefined) fail(`unknown element <${first.name}> in <audio>`);
  const whileRecording = attr(el, "whilerecording");
  if (whileRecording !== undefined && !isDialogId(whileRecording)) {
    fail(`<play> whilerecording "${whileRecording}" is not a dialog identifier (conn:…/dialog:…)`);
  }
  const play: MsmlPlay = {
    tone: parseToneUri(requiredAttr(audio, "uri")),
    ...optional("iterations", parseIterations(el)),
    ...optional("intervalMs", parseInterval(el)),
    ...optional("whileRecording", whileRecording),
  };
  checkPlay(play);
  return play;
}
