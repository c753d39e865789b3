/**
 * The refusal reason rule: what the applicant would see decides — nothing invisible-only, no control characters,
 * broken surrogates, noncharacters or text direction controls, and length counted in characters as displayed. Checked through parseDecision (what the
 * functions run) and through reasonProblem (what a mini-program imports).
 */
import { build } from 'esbuild';
import fc from 'fast-check';
import { join } from 'node:path';
import type * as reason from '../../src/core/reason';
import { ISSUE_MESSAGES, parseDecision } from '../../src/core/eventSchema';
import { REASON_MAX_CHARS, REASON_MAX_CODE_POINTS, reasonProblem, visibleLength } from '../../src/core/reason';

const refuse = (reason: unknown): unknown => ({ action: 'dev_refuse', reason });

/** The issues of a refused event, as [path, English message] pairs. */
function issuesOf(event: unknown): Array<[string, string]> {
  const parsed = parseDecision(event);
  return parsed.ok ? [] : parsed.issues.map((issue) => [issue.path, issue.messageEn]);
}

describe('the refusal reason', () => {
  it.each([
    ['a zero-width space', '\u200b'],
    ['zero-width joiners and non-joiners', '\u200c\u200d\u200c'],
    ['left-to-right and right-to-left marks', '\u200e\u200f'],
    ['a byte-order mark between zero-width spaces', '\u200b\ufeff\u200b'],
    ['a soft hyphen', '\u00ad'],
    ['a word joiner between spaces', ' \u2060 '],
    ['a Mongolian vowel separator', '\u180e'],
    ['a variation selector', '\ufe0f'],
    ['a tag character', '\u{e0041}'],
    ['a Hangul filler', '\u3164'],
    ['a blank braille pattern', '\u2800\u2800'],
    ['a lone combining accent', '\u0301'],
    ['an ideographic space and zero-width spaces', '\u3000\u200b\u3000'],
    ['a private-use character', '\ue000'],
    ['private-use characters of planes 15 and 16', '\u{f0000}\u{10fffd}'],
    ['an unassigned code point', '\u0378'],
    ['an unassigned code point of plane 5 and a private-use one', '\u{50000}\uf8ff'],
    ['the null notehead, a symbol drawn blank', '\u{1d159}'],
    ['the null notehead between blank braille patterns', '\u2800\u{1d159}\u2800'],
  ])('refuses %s as having no visible character', (_, reason) => {
    expect(issuesOf(refuse(reason))).toEqual([['reason', expect.stringContaining('no visible character')]]);
    expect(reasonProblem(reason)).toBe('reason.invisible');
  });

  it.each([
    ['NUL', 'a\u0000b'],
    ['ESC starting a terminal sequence', '\u001b[2J资质不全'],
    ['BEL', '资质\u0007不全'],
    ['DEL', '资质不全\u007f'],
    ['a C1 control (NEL)', '资质\u0085不全'],
    ['a C1 control (CSI)', '资质\u009b2J'],
    ['a carriage return inside the text', '资质\r不全'],
    ['a vertical tab inside the text', '资质\u000b不全'],
    ['a line separator inside the text', '资质\u2028不全'],
    ['a paragraph separator inside the text', '资质\u2029不全'],
  ])('refuses %s as a control character', (_, reason) => {
    expect(issuesOf(refuse(reason))).toEqual([['reason', expect.stringContaining('control characters')]]);
    expect(reasonProblem(reason)).toBe('reason.control');
  });

  it.each([
    ['a high surrogate alone', '\ud83d'],
    ['an emoji cut in half at the end', '资质不全\ud83d'],
    ['a low surrogate alone', 'a\udc4db'],
    ['a pair in the wrong order', 'x\ude00\ud83d'],
  ])('refuses %s as a broken character', (_, reason) => {
    expect(issuesOf(refuse(reason))).toEqual([['reason', expect.stringContaining('lone UTF-16 surrogate')]]);
    expect(reasonProblem(reason)).toBe('reason.loneSurrogate');
  });

  it.each([
    ['U+FFFF alone', '\uffff'],
    ['U+FFFE alone', '\ufffe'],
    ['the U+FDD0–U+FDEF block', '\ufdd0\ufdef'],
    ['the last two code points of plane 1', '\u{1fffe}\u{1ffff}'],
    ['U+10FFFF, the last code point', '\u{10ffff}'],
    ['U+FFFF after visible text', '资质不全\uffff'],
    ['U+FDD5 inside visible text', '资质\ufdd5不全'],
  ])('refuses %s as a noncharacter', (_, reason) => {
    expect(issuesOf(refuse(reason))).toEqual([['reason', expect.stringContaining('noncharacters')]]);
    expect(reasonProblem(reason)).toBe('reason.nonCharacter');
  });

  it.each([
    ['a right-to-left override before text', '\u202eabc'],
    ['a right-to-left override alone', '\u202e'],
    ['a left-to-right embedding and its pop inside text', '资质\u202a不全\u202c'],
    ['a right-to-left embedding', 'abc\u202bdef'],
    ['a left-to-right override', '\u202dabc'],
    ['isolates around text', '\u2066资质不全\u2069'],
    ['a first-strong isolate', 'abc \u2068مرفوض\u2069'],
    ['bidi isolates alone', '\u2066\u2069'],
  ])('refuses %s as a text direction control', (_, reason) => {
    expect(issuesOf(refuse(reason))).toEqual([['reason', expect.stringContaining('text direction controls')]]);
    expect(reasonProblem(reason)).toBe('reason.bidiControl');
  });

  it.each([
    ['line feeds between lines', '资质不全\n请补充营业执照'],
    ['a tab', '类目\t不符'],
    ['a zero-width space next to visible text', '\u200b资质不全'],
    ['Arabic with a right-to-left mark', '\u200fمرفوض'],
    ['an emoji family (joined by zero-width joiners)', '👨\u200d👩\u200d👧 不适用'],
    ['a skin-toned emoji', '👍🏽'],
    ['a decomposed accent on a letter', 'e\u0301'],
    ['a private-use character next to text', '\ue000 资质不全'],
    ['an unassigned code point next to text', '资质不全 \u0378'],
    ['an emoji of Unicode 14 next to text', '资质不全 \u{1fae0}'],
    ['an emoji of Unicode 15 alone', '\u{1fae8}'],
    ['an emoji of Unicode 16 alone', '\u{1fae9}'],
    ['an Arabic letter mark before Arabic', '\u061cمرفوض'],
  ])('accepts %s', (_, reason) => {
    expect(parseDecision(refuse(reason))).toEqual({ ok: true, value: { action: 'dev_refuse', reason } });
    expect(reasonProblem(reason)).toBeNull();
  });

  it('trims blanks and line breaks around the reason before checking it', () => {
    expect(parseDecision(refuse(' \n资质不全\t '))).toEqual({ ok: true, value: { action: 'dev_refuse', reason: '资质不全' } });
    expect(reasonProblem(' \t\n ')).toBe('reason.empty');
  });

  it.each([
    ['Chinese characters', '理'],
    ['emoji families', '👨\u200d👩\u200d👧'],
    ['flags', '🇨🇳'],
    ['letters with a decomposed accent', 'e\u0301'],
  ])('counts %s as the applicant sees them: exactly the maximum is fine, one more is too long', (_, character) => {
    expect(visibleLength(character.repeat(REASON_MAX_CHARS))).toBe(REASON_MAX_CHARS);
    expect(reasonProblem(character.repeat(REASON_MAX_CHARS))).toBeNull();
    expect(issuesOf(refuse(character.repeat(REASON_MAX_CHARS + 1)))).toEqual([['reason', `reason must be at most ${REASON_MAX_CHARS} characters`]]);
  });

  it('refuses one character buried under more code points than any script needs', () => {
    const stacked = `a${'\u0301'.repeat(REASON_MAX_CODE_POINTS)}`;

    expect(visibleLength(stacked)).toBe(1);
    expect(issuesOf(refuse(stacked))).toEqual([['reason', expect.stringContaining(`at most ${REASON_MAX_CODE_POINTS} Unicode code points`)]]);
  });

  it.each([
    ['a megabyte of text', '理'.repeat(1 << 20), 'reason.tooLong'],
    ['a megabyte of control characters', '\u0000'.repeat(1 << 20), 'reason.tooLong'],
    ['a megabyte of accents on one letter', `a${'\u0301'.repeat(1 << 20)}`, 'reason.tooManyCodePoints'],
    ['a megabyte of noncharacters', '\uffff'.repeat(1 << 20), 'reason.tooLong'],
    ['a megabyte of private-use characters', '\ue000'.repeat(1 << 20), 'reason.tooLong'],
  ])('refuses %s for its length, before looking at anything else', (_, reason, problem) => {
    expect(reasonProblem(reason)).toBe(problem);
  });

  it('gives a mini-program that checks with reasonProblem the verdict the function gives, for any text', () => {
    // Code points from anywhere, weighted toward the ones the rule is about, lone surrogates included.
    const tricky = [
      0x0, 0x9, 0xa, 0xd, 0x20, 0x301, 0x378, 0x200b, 0x200f, 0x2028, 0x2029, 0x202e, 0x2066, 0x2800, 0xd83d, 0xde00, 0xe000, 0xfdd0, 0xfeff, 0xfffe, 0xffff,
      0x1d159, 0x1fae8, 0xf0000, 0x10ffff, 0x7406, 0x61,
    ];
    const unit = fc.oneof(fc.constantFrom(...tricky), fc.integer({ min: 0, max: 0x10ffff }));
    const text = fc
      .array(unit, { maxLength: 12 })
      .map((units) => units.map((u) => (u >= 0xd800 && u <= 0xdfff ? String.fromCharCode(u) : String.fromCodePoint(u))).join(''));

    fc.assert(
      fc.property(text, (reason) => {
        const problem = reasonProblem(reason);
        const parsed = parseDecision(refuse(reason));

        if (problem === null) {
          expect(parsed).toEqual({ ok: true, value: { action: 'dev_refuse', reason: reason.trim() } });
        } else {
          expect(parsed).toEqual({ ok: false, issues: [{ path: 'reason', message: ISSUE_MESSAGES[problem][0], messageEn: ISSUE_MESSAGES[problem][1] }] });
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('says each problem in Chinese as well as English', () => {
    const parsed = parseDecision(refuse('\u200b'));

    expect(parsed).toMatchObject({ ok: false, issues: [{ path: 'reason', message: expect.stringMatching(/不可见/) }] });
  });

  it('counts code points where the runtime cannot segment text, never fewer characters than it shows', () => {
    const segmenter = Intl.Segmenter;
    try {
      // A mini-program engine without Intl.Segmenter: the count is stricter, so it never lets through what the function refuses.
      jest.isolateModules(() => {
        (Intl as { Segmenter?: unknown }).Segmenter = undefined;
        const isolated = jest.requireActual<typeof reason>('../../src/core/reason');
        expect(isolated.visibleLength('👨\u200d👩\u200d👧')).toBe(5);
        expect(isolated.reasonProblem('🇨🇳'.repeat(REASON_MAX_CHARS))).toBe('reason.tooLong');
        expect(isolated.reasonProblem('\u200b')).toBe('reason.invisible');
      });
    } finally {
      (Intl as { Segmenter?: unknown }).Segmenter = segmenter;
    }
  });

  it('can be bundled for a mini-program without zod', async () => {
    const bundled = await build({
      stdin: { contents: "export { reasonProblem } from './src/core/reason';", resolveDir: join(__dirname, '../..'), loader: 'ts' },
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'neutral',
      target: 'es2018',
      minify: true,
    });

    const code = bundled.outputFiles[0]?.text ?? '';
    expect(code).toContain('reasonProblem');
    expect(code).not.toMatch(/zod|safeParse/);
    expect(code.length).toBeLessThan(10_000);
  });
});
