/**
 * Named admins: an entry of PLUGIN_ADMIN_OPENIDS may give the admin's name (`张三=oAbC…`, `张三=wx…:oAbC…`), which
 * the decision trail records; a malformed name makes its entry malformed, with a problem saying why.
 */
import { adminEntryFor, adminName, identify } from '../../src/core/callerPolicy';
import { parseAdminList, readConfig } from '../../src/core/config';

const APPID = 'wx0123456789abcdef';
const ALICE = 'oAliceOpenid1234567890abcdef';
const BOB = 'oBobOpenid1234567890abcdefgh';

describe('PLUGIN_ADMIN_OPENIDS entries with names', () => {
  it('admits a named same-account admin and a named cross-account admin, and gives their names', () => {
    const admins = parseAdminList(`张三=${ALICE}， Bob Li = ${APPID} : ${BOB}\n${ALICE}2`);

    expect(admins).toEqual({
      kind: 'listed',
      openids: new Set([ALICE, `${ALICE}2`]),
      byAppid: new Map([[APPID, new Set([BOB])]]),
      names: new Map([
        [ALICE, '张三'],
        [`${APPID}:${BOB}`, 'Bob Li'],
      ]),
    });
    expect(adminName({ openid: ALICE }, admins)).toBe('张三');
    expect(adminName({ fromAppid: APPID, fromOpenid: BOB }, admins)).toBe('Bob Li');
    expect(adminName({ openid: `${ALICE}2` }, admins)).toBeNull();
    // A same-account caller with Bob's OPENID is not the cross-account Bob.
    expect(adminName({ openid: BOB }, admins)).toBeNull();
  });

  it.each([
    ['an empty name', `=${ALICE}`, 'its name before "=" is empty'],
    ['a name with a colon', `a:b=${ALICE}`, 'its name holds'],
    ['a name of 33 characters', `${'名'.repeat(33)}=${ALICE}`, 'longer than 32 characters'],
    ['two equals signs', `张三=李四=${ALICE}`, 'more than one "="'],
    ['a named entry followed by a space and another entry', `张三=${ALICE} ${BOB}`, 'must end at a comma or a new line'],
  ])('makes an entry with %s malformed, saying why', (_, raw, problem) => {
    const config = readConfig({ PLUGIN_ADMIN_OPENIDS: `${raw},oOther` });

    expect(config.admins).toEqual({ kind: 'listed', openids: new Set(['oOther']), byAppid: new Map() });
    expect(config.problems).toHaveLength(1);
    expect(config.problems[0]).toContain(problem);
  });

  it('accepts a name of exactly 32 characters, trimmed', () => {
    const name = '名'.repeat(32);

    expect(adminName({ openid: ALICE }, parseAdminList(`  ${name} =${ALICE}`))).toBe(name);
  });

  it('keeps the entry a refused caller is told to add nameless', () => {
    expect(adminEntryFor(identify({ fromAppid: APPID, fromOpenid: BOB }))).toBe(`${APPID}:${BOB}`);
  });
});
