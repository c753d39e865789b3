/**
 * The digest (renderDigest) and the neutralising of applicant text: whatever a nickname or statement holds, it cannot
 * add links, mentions, headings, quotes, colours or hidden text, and it is cut by characters as people see them.
 */
import fc from 'fast-check';
import { normalizeApplication } from '../../src/core/applicationList';
import { DIGEST_MAX_BYTES, neutralise, NICKNAME_MAX_CHARS, renderDigest, STATEMENT_MAX_CHARS } from '../../src/core/digest';
import { visibleLength } from '../../src/core/reason';
import type { Notice } from '../../src/core/watchNotices';
import { applicant, appidOf, HOUR } from './watchFixture';

function newNotice(n: number, nickname: string, reason: string): Notice {
  const app = normalizeApplication(applicant(n, { nickname, reason }));
  return { key: `k${n}`, app, createdAt: 0, marks: ['new'], kind: 'new', ageMs: HOUR, leftMs: 23 * HOUR, wouldAgree: null };
}

const timeout = { ms: 24 * HOUR, observed: false };

/** What our own lines of a digest begin with; applicant text never starts a line. */
const OWN_LINE = /^(?:$|\*\*|> \*\*|<@|<font color="comment">|另有 \d+ 项|新申请|即将超时|已按规则同意|已超时)/;

/** Text built to break out: markdown, mentions, links, colours, entities and invisible characters. */
const hostile = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc
    .array(
      fc.constantFrom(
        '<@all>',
        '<@zhangsan>',
        '[x](https://evil.example)',
        '\n# 标题',
        '\n> quote',
        '<font color="warning">',
        '**',
        '`',
        '&lt;@all&gt;',
        '\u202e',
        '\u200b',
        '\r\n',
        'https://evil.example',
        '\u2028',
        '👨‍👩‍👧',
        'é',
        '＜',
      ),
      { maxLength: 40 },
    )
    .map((parts) => parts.join('')),
);

describe('neutralise', () => {
  it.each([
    ['<@all> 请通过', '＜＠all＞ 请通过'],
    ['[点我](https://evil.example)', '［点我］（https：//evil.example）'],
    ['# 标题\n> 引用', '＃ 标题 ＞ 引用'],
    ['<font color="warning">红</font>', '＜font color＝"warning"＞红＜/font＞'],
    ['a\u200bb\u202ec', 'a b c'],
    ['   ', '—'],
  ])('makes %j inert: %j', (text, expected) => {
    expect(neutralise(text, 100)).toBe(expected);
  });

  it('cuts by characters as people see them, never inside an emoji sequence', () => {
    const family = '👨‍👩‍👧';

    const cut = neutralise(family.repeat(50), 3);

    expect(cut).toBe(`${family.repeat(3)}…`);
  });

  it('leaves no markdown, mention, link or line break in any text (property)', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const safe = neutralise(text, STATEMENT_MAX_CHARS);

        expect(safe).not.toMatch(/[<>[\]()*_`#|\\@&\n\r\u2028\u2029]/);
        expect(safe).not.toContain('://');
        expect(visibleLength(safe)).toBeLessThanOrEqual(STATEMENT_MAX_CHARS + 1);
      }),
    );
  });
});

describe('renderDigest', () => {
  it('is null when there is nothing to say', () => {
    expect(renderDigest([], { mentions: [], timeout })).toBeNull();
  });

  it('lets no nickname or statement add a mention, a link or a line of its own (property)', () => {
    fc.assert(
      fc.property(hostile, hostile, (nickname, reason) => {
        const digest = renderDigest([newNotice(1, nickname, reason)], { mentions: ['zhangsan'], timeout });
        const markdown = digest?.markdown ?? '';

        expect([...markdown.matchAll(/<@/g)]).toHaveLength(1);
        expect(markdown).not.toMatch(/\]\(|<font color="(?!comment)/);
        for (const line of markdown.split('\n')) expect(line).toMatch(OWN_LINE);
        expect(Buffer.byteLength(markdown)).toBeLessThanOrEqual(DIGEST_MAX_BYTES);
      }),
    );
  });

  it('shows a nickname of at most NICKNAME_MAX_CHARS characters', () => {
    const digest = renderDigest([newNotice(1, '长'.repeat(100), '')], { mentions: [], timeout });

    expect(digest?.markdown).toContain(`**${'长'.repeat(NICKNAME_MAX_CHARS)}…**`);
  });

  it('stays within 4,096 bytes and says how many more wait', () => {
    const notices = Array.from({ length: 100 }, (_, index) => newNotice(index + 1, '名'.repeat(30), '说'.repeat(120)));

    const digest = renderDigest(notices, { mentions: [], timeout });

    expect(Buffer.byteLength(digest?.markdown ?? '')).toBeLessThanOrEqual(DIGEST_MAX_BYTES);
    expect(digest?.more).toBe(100 - (digest?.included.length ?? 0));
    expect(digest?.markdown).toMatch(new RegExp(`and ${digest?.more ?? 0} more$`));
  });

  it('shows an appid WeChat sent in a strange form as inert text', () => {
    const notice = newNotice(1, 'n', '');
    notice.app.appid = '`<@all>`';

    expect(renderDigest([notice], { mentions: [], timeout })?.markdown).not.toContain('<@all>');
    expect(appidOf(1)).toMatch(/^wx/);
  });
});
