/**
 * The caller rule: a same-account caller is its OPENID, a cross-account caller (FROM_APPID given) is the pair
 * (FROM_APPID, FROM_OPENID) whatever OPENID says, and each kind is admitted only by an entry of its own form.
 */
import type { Caller } from '../../src/core/callerPolicy';
import { adminEntryFor, callerLogFields, checkCaller, identify, refuseCall } from '../../src/core/callerPolicy';
import { maskOpenid } from '../../src/core/log';
import { parseAdminList } from '../../src/core/config';

const ADMIN_APP = 'wx1a2b3c4d5e6f7089';
const OTHER_APP = 'wx99999999999999ff';
const ALICE = 'oAliceAbCdEfGhIjKlMnOpQrStUv';
const BOB = 'oBobAbCdEfGhIjKlMnOpQrStUvWx';

/** One OPENID entry for Alice (same account) and one pair entry for Bob in the admin mini-program. */
const admins = parseAdminList(`${ALICE}, ${ADMIN_APP}:${BOB}`);

describe('checkCaller', () => {
  it.each<[string, Caller, boolean]>([
    ['a same-account caller named by an OPENID entry', { openid: ALICE }, true],
    ['a same-account caller named only as the OPENID of a pair entry', { openid: BOB }, false],
    ['a same-account caller not named at all', { openid: 'oStranger' }, false],
    ['a caller with no OPENID (HTTP trigger, timer)', {}, false],
    ['a caller with an empty OPENID', { openid: '' }, false],
    ['a cross-account caller named by a pair entry', { fromAppid: ADMIN_APP, fromOpenid: BOB }, true],
    ['a cross-account caller named by a pair entry, with an OPENID that is not an admin', { fromAppid: ADMIN_APP, fromOpenid: BOB, openid: 'oStranger' }, true],
    ['a cross-account caller whose FROM_OPENID is an OPENID entry', { fromAppid: ADMIN_APP, fromOpenid: ALICE }, false],
    ["a cross-account caller whose OPENID is also filled with an admin's", { fromAppid: ADMIN_APP, fromOpenid: 'oStranger', openid: ALICE }, false],
    ['a cross-account caller with the right OPENID from another mini-program', { fromAppid: OTHER_APP, fromOpenid: BOB }, false],
    ['a cross-account caller with no FROM_OPENID, and an admin OPENID', { fromAppid: ADMIN_APP, openid: ALICE }, false],
    ['a cross-account caller whose FROM_APPID was unreadable, with an admin OPENID', { fromAppid: '', fromOpenid: BOB, openid: ALICE }, false],
  ])('%s: admitted %s', (_, caller, admitted) => {
    const refusal = checkCaller(caller, admins);

    expect(refusal === null).toBe(admitted);
    if (refusal !== null) expect(refusal).toMatchObject({ code: 'FORBIDDEN', errCode: null, retryable: false });
  });

  it('admits the admin an entry shows when a zero-width space was pasted with it, instead of telling them to add themselves', () => {
    const list = parseAdminList(`${ALICE}\u200B, \u200B${ADMIN_APP}:${BOB}`);

    expect(checkCaller({ openid: ALICE }, list)).toBeNull();
    expect(checkCaller({ fromAppid: ADMIN_APP, fromOpenid: BOB }, list)).toBeNull();
  });

  it('refuses every kind of caller while the list is unset', () => {
    for (const caller of [{ openid: ALICE }, { fromAppid: ADMIN_APP, fromOpenid: BOB }]) {
      expect(checkCaller(caller, { kind: 'unset' })).toMatchObject({ code: 'FORBIDDEN', messageEn: expect.stringMatching(/PLUGIN_ADMIN_OPENIDS is unset/) });
    }
  });

  it('tells a same-account stranger their OPENID and the entry to add, with no appid', () => {
    const refusal = checkCaller({ openid: 'oStranger' }, admins);

    expect(refusal).toMatchObject({ yourOpenid: 'oStranger', adminEntry: 'oStranger' });
    expect(refusal).not.toHaveProperty('yourAppid');
    expect(refusal?.hint).toContain('oStranger');
    expect(refusal?.hintEn).toContain('The entry to add: oStranger');
  });

  it('tells a cross-account stranger their OPENID, their appid and the APPID:OPENID entry to add', () => {
    const refusal = checkCaller({ fromAppid: OTHER_APP, fromOpenid: 'oStranger', openid: ALICE }, admins);

    expect(refusal).toMatchObject({ yourOpenid: 'oStranger', yourAppid: OTHER_APP, adminEntry: `${OTHER_APP}:oStranger` });
    expect(refusal?.hintEn).toContain(`The entry to add: ${OTHER_APP}:oStranger`);
    expect(refusal?.hint).toContain(`${OTHER_APP}:oStranger`);
  });

  it('tells the first caller of an unconfigured function the value to set', () => {
    const refusal = checkCaller({ fromAppid: ADMIN_APP, fromOpenid: BOB }, { kind: 'unset' });

    expect(refusal).toMatchObject({ adminEntry: `${ADMIN_APP}:${BOB}` });
    expect(refusal?.hintEn).toContain(`Setting PLUGIN_ADMIN_OPENIDS to ${ADMIN_APP}:${BOB} makes you an admin.`);
  });

  it('offers no entry when none could admit the caller', () => {
    expect(checkCaller({}, admins)).toMatchObject({ yourOpenid: null, adminEntry: null });
    expect(checkCaller({ fromAppid: ADMIN_APP }, admins)).toMatchObject({ yourOpenid: null, yourAppid: ADMIN_APP, adminEntry: null });
    expect(checkCaller({ openid: 'o,comma' }, admins)).toMatchObject({ yourOpenid: 'o,comma', adminEntry: null });
    expect(checkCaller({}, admins)?.hintEn).toMatch(/no caller identity .* call from the mini-program/);
  });
});

describe('checkCaller over every combination of OPENID, FROM pair and entry form', () => {
  const openids = [undefined, ALICE, BOB, 'oStranger'];
  const froms = [
    undefined,
    { fromAppid: ADMIN_APP, fromOpenid: BOB },
    { fromAppid: ADMIN_APP, fromOpenid: ALICE },
    { fromAppid: OTHER_APP, fromOpenid: BOB },
    { fromAppid: ADMIN_APP, fromOpenid: 'oStranger' },
    { fromAppid: ADMIN_APP },
  ];
  const lists = { 'an OPENID entry only': ALICE, 'a pair entry only': `${ADMIN_APP}:${BOB}`, 'both forms': `${ALICE},${ADMIN_APP}:${BOB}` };
  const cases = openids.flatMap((openid) =>
    froms.flatMap((from) =>
      Object.entries(lists).map(([listName, list]) => ({ caller: { ...(openid === undefined ? {} : { openid }), ...from } as Caller, listName, list })),
    ),
  );

  it.each(cases)('$listName, caller $caller', ({ caller, list }) => {
    // The rule as the README states it: with FROM_APPID, only the exact pair's entry; without, only the OPENID's.
    const entries = list.split(',');
    const admitted =
      caller.fromAppid !== undefined
        ? caller.fromOpenid !== undefined && entries.includes(`${caller.fromAppid}:${caller.fromOpenid}`)
        : caller.openid !== undefined && entries.includes(caller.openid);

    expect(checkCaller(caller, parseAdminList(list)) === null).toBe(admitted);
  });
});

describe('refuseCall', () => {
  it('shows configuration problems to admins only', () => {
    const configProblems = ['PLUGIN_ADMIN_OPENIDS: the entry "wxNOPE:oA" admits nobody.'];

    expect(refuseCall({ caller: { fromAppid: ADMIN_APP, fromOpenid: BOB }, admins, configProblems })).toMatchObject({
      code: 'MISCONFIGURED',
      problems: configProblems,
    });
    expect(refuseCall({ caller: { openid: 'oStranger' }, admins, configProblems })).toMatchObject({ code: 'FORBIDDEN' });
    expect(refuseCall({ caller: { openid: 'oStranger' }, admins, configProblems })).not.toHaveProperty('problems');
  });
});

describe('identify and adminEntryFor', () => {
  it('takes FROM_APPID as the mark of a cross-account call, even when OPENID is also given', () => {
    expect(identify({ openid: ALICE, fromAppid: ADMIN_APP, fromOpenid: BOB })).toEqual({ kind: 'crossAccount', appid: ADMIN_APP, openid: BOB });
    expect(identify({ openid: ALICE })).toEqual({ kind: 'sameAccount', openid: ALICE });
  });

  it('writes the entry in the form parseAdminList admits', () => {
    for (const caller of [{ openid: ALICE }, { fromAppid: OTHER_APP, fromOpenid: 'o_user-1' }]) {
      const entry = adminEntryFor(identify(caller)) ?? '';

      expect(checkCaller(caller, parseAdminList(entry))).toBeNull();
    }
  });
});

describe('the caller in a log line', () => {
  it('masks the OPENID and adds the calling appid for a cross-account call only', () => {
    expect(callerLogFields({ openid: ALICE })).toEqual({ caller: 'oAli…StUv' });
    expect(callerLogFields({ fromAppid: ADMIN_APP, fromOpenid: BOB })).toEqual({ caller: 'oBob…UvWx', callerAppid: ADMIN_APP });
  });

  it.each([
    [undefined, null],
    [null, null],
    [12345678, null],
    [{}, null],
    ['', null],
    ['short', '*****'],
    ['😀😀😀😀😀😀😀😀😀😀', '😀😀😀😀…😀😀😀😀'],
  ])('never throws: %p is logged as %p', (value, masked) => {
    expect(maskOpenid(value)).toBe(masked);
  });
});
