/**
 * What a refusal reason may be, as the applicant will read it: its length in characters as shown (grapheme
 * clusters), and the Unicode classes it may not hold (control and direction characters, lone surrogates,
 * noncharacters, nothing visible). No zod: a mini-program imports `reasonProblem` to check a reason before calling,
 * and the decision schema (eventSchema.ts) gives the same verdict.
 */
import type { IssueKey } from './eventSchema';

/** What can be wrong with a reason: the issue keys of eventSchema's messages for it. */
export type ReasonProblem = Extract<IssueKey, `reason.${string}`>;

/**
 * Longest refusal reason we forward, in characters as the applicant sees them (grapheme clusters: an emoji
 * sequence or a letter with its accents is one). WeChat documents no limit (setDevPluginApplyStatus page);
 * the applicant reads the reason in a list, so we keep it to what fits there.
 */
export const REASON_MAX_CHARS = 200;

/**
 * Most Unicode code points a reason may hold, whatever it looks like: a cluster can carry any number of
 * combining marks, so without this a "one-character" reason could be megabytes of stacked accents.
 * 5 per visible character leaves room for emoji sequences and scripts that stack marks.
 */
export const REASON_MAX_CODE_POINTS = 5 * REASON_MAX_CHARS;

/**
 * Control characters (C0, DEL, C1) other than tab and line feed, and the Unicode line and paragraph separators
 * (U+2028, U+2029), which break a line as a carriage return does. A mini-program textarea produces line feeds and
 * a pasted table tabs, both of which read as space; anything else (NUL, ESC, CR, …) is never typed on purpose and
 * can garble whatever displays or logs the reason.
 */
const CONTROL_CHARACTER = /(?![\t\n])\p{Cc}|[\u2028\u2029]/u;

/** Half of a UTF-16 surrogate pair without its other half (the `u` flag makes a whole pair one code point). */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Noncharacters: U+FDD0–U+FDEF and the last two code points of every plane (U+FFFE, U+FFFF … U+10FFFF). Unicode
 * sets them aside for programs' internal use, never for text, and this set of 66 will never change, so a
 * runtime's Unicode version does not matter here.
 */
const NONCHARACTER = /\p{Noncharacter_Code_Point}/u;

/**
 * Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): they reorder how the text after them
 * displays, so `\u202Eabc` reads "cba" — what the applicant sees would not be what was typed. The plain direction
 * marks (U+200E, U+200F, U+061C) only nudge neutral characters and stay allowed, as Arabic or Hebrew text needs them.
 */
const TEXT_DIRECTION_CONTROL = /[\u202A-\u202E\u2066-\u2069]/u;

/**
 * A character that shows on its own: anything but spaces, format characters (zero-width, bidi marks, BOM), other
 * default-ignorable code points (variation selectors, Hangul fillers), combining marks with nothing to sit on,
 * private-use characters (no glyph unless a font of one's own defines it), unassigned code points, and two symbols
 * drawn blank by design that lists of "invisible characters" hand out for faking an empty name: the blank braille
 * pattern U+2800 and the musical null notehead U+1D159. Other font quirks are not chased.
 *
 * "Unassigned" is as the runtime's Unicode knows it, and the cloud's Node.js 16 knows Unicode 13 only, so the
 * emoji blocks U+1F000–U+1FAFF, where every emoji added since then lies, count as visible whatever the runtime
 * knows: a reason of just a newer emoji (🫠, 🫨) gets the same verdict on Node.js 16 as on a current phone.
 * Unassigned code points are never refused next to visible text, for the same reason.
 */
const VISIBLE = /[^\p{White_Space}\p{Cf}\p{Default_Ignorable_Code_Point}\p{Mn}\p{Me}\p{Co}\p{Cn}\u2800\u{1D159}]|[\u{1F000}-\u{1FAFF}]/u;

let segmenter: Intl.Segmenter | null | undefined;

/** Built on first use; null where the runtime has no Intl.Segmenter (some mini-program engines). */
function graphemeSegmenter(): Intl.Segmenter | null {
  if (segmenter !== undefined) return segmenter;
  try {
    segmenter = typeof Intl === 'object' && typeof Intl.Segmenter === 'function' ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;
  } catch {
    segmenter = null;
  }
  return segmenter;
}

/**
 * What the text shows, one item per character: grapheme clusters where the runtime can segment them (the official
 * Node.js 16.13 build can), else code points, which are never fewer, so a check there is stricter, never looser.
 */
function characters(text: string): Iterable<unknown> {
  return graphemeSegmenter()?.segment(text) ?? text;
}

/**
 * The text's first `max` characters as the reader sees them (grapheme clusters, see `characters`), and whether it was
 * longer; a cluster is never split, so an emoji sequence or a letter with its accents stays whole.
 */
export function firstCharacters(text: string, max: number): { text: string; cut: boolean } {
  const kept: string[] = [];
  for (const item of characters(text)) {
    if (kept.length >= max) return { text: kept.join(''), cut: true };
    kept.push(typeof item === 'string' ? item : (item as Intl.SegmentData).segment);
  }
  return { text: kept.join(''), cut: false };
}

/** How many characters the text shows (see `characters`). */
export function visibleLength(text: string): number {
  return Array.from(characters(text)).length;
}

/** Whether an iterable yields more than `max` items; stops counting there, so a huge text costs no more than a short one. */
function moreThan(items: Iterable<unknown>, max: number): boolean {
  const iterator = items[Symbol.iterator]();
  for (let count = 0; iterator.next().done !== true; count += 1) if (count >= max) return true;
  return false;
}

/**
 * What is wrong with a refusal reason as the applicant would read it (after trimming), or null when it may be
 * sent. No zod: a mini-program can import it to check a reason before calling, and gets the same verdict.
 */
export function reasonProblem(reason: string): ReasonProblem | null {
  const text = reason.trim();
  if (text.length === 0) return 'reason.empty';
  // Past the code-point cap it is refused whatever else is wrong: checked first, so a huge text is never scanned
  // whole, and only its beginning is segmented to say which limit it breaks.
  if (moreThan(text, REASON_MAX_CODE_POINTS)) {
    return moreThan(characters(text.slice(0, 2 * REASON_MAX_CODE_POINTS)), REASON_MAX_CHARS) ? 'reason.tooLong' : 'reason.tooManyCodePoints';
  }
  if (CONTROL_CHARACTER.test(text)) return 'reason.control';
  if (LONE_SURROGATE.test(text)) return 'reason.loneSurrogate';
  if (NONCHARACTER.test(text)) return 'reason.nonCharacter';
  if (TEXT_DIRECTION_CONTROL.test(text)) return 'reason.bidiControl';
  if (!VISIBLE.test(text)) return 'reason.invisible';
  // A text shows no more characters than it has code points, so only a longer one is segmented (the segmenter's
  // first use loads ICU data: tens of milliseconds a short reason need not wait).
  if (moreThan(text, REASON_MAX_CHARS) && moreThan(characters(text), REASON_MAX_CHARS)) return 'reason.tooLong';
  return null;
}
