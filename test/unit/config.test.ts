import { parseAdminList, readConfig } from '../../src/core/config';

const APPID = 'wx0123456789abcdef';

describe('readConfig', () => {
  it('uses the cloud call when no HTTPS credentials are set', () => {
    expect(readConfig({ PLUGIN_ADMIN_OPENIDS: 'oA' })).toEqual({
      admins: { kind: 'listed', openids: new Set(['oA']), byAppid: new Map() },
      transport: { kind: 'cloud' },
      problems: [],
    });
  });

  it('switches to HTTPS when both PLUGIN_APPID and PLUGIN_APPSECRET are set', () => {
    const config = readConfig({ PLUGIN_APPID: ` ${APPID} `, PLUGIN_APPSECRET: 'secret', WECHAT_API_BASE_URL: 'http://127.0.0.1:3000' });

    expect(config.transport).toEqual({ kind: 'https', appid: APPID, secret: 'secret', baseUrl: 'http://127.0.0.1:3000' });
    expect(config.problems).toEqual([]);
  });

  it.each([
    ['only the AppSecret', { PLUGIN_APPSECRET: 'secret' }, /PLUGIN_APPID is not/],
    ['only the appid', { PLUGIN_APPID: APPID }, /PLUGIN_APPSECRET is not/],
    ['a malformed appid', { PLUGIN_APPID: 'wxNOPE', PLUGIN_APPSECRET: 'secret' }, /PLUGIN_APPID must be/],
    ['a base URL that is not http(s)', { PLUGIN_APPID: APPID, PLUGIN_APPSECRET: 'secret', WECHAT_API_BASE_URL: 'ftp://x' }, /WECHAT_API_BASE_URL/],
  ])('names the variable to fix for %s, and stays on the cloud call', (_, env, problem) => {
    const config = readConfig(env);

    expect(config.transport).toEqual({ kind: 'cloud' });
    expect(config.problems).toEqual([expect.stringMatching(problem)]);
    expect(config.problems.join(' ')).not.toContain('secret');
  });

  it('treats an admin list of only separators as unset', () => {
    expect(readConfig({ PLUGIN_ADMIN_OPENIDS: ' ,， \n' }).admins).toEqual({ kind: 'unset' });
  });
});

describe('PLUGIN_ADMIN_OPENIDS entries', () => {
  const OPENID = 'oAbCdEfGhIjKlMnOpQrStUvWxYz0';
  const PAIR = `${APPID}:${OPENID}`;

  it('reads OPENID entries as same-account admins and APPID:OPENID entries as cross-account pairs', () => {
    expect(parseAdminList(`oLocal，${PAIR}\n o_two`)).toEqual({
      kind: 'listed',
      openids: new Set(['oLocal', 'o_two']),
      byAppid: new Map([[APPID, new Set([OPENID])]]),
    });
  });

  it('reads a full-width colon as a colon', () => {
    expect(parseAdminList(PAIR.replace(':', '：'))).toEqual({ kind: 'listed', openids: new Set(), byAppid: new Map([[APPID, new Set([OPENID])]]) });
  });

  it('reads APPID : OPENID written with spaces as that one pair, never as an OPENID admitted on its own', () => {
    expect(parseAdminList(PAIR.replace(':', ' : '))).toEqual({ kind: 'listed', openids: new Set(), byAppid: new Map([[APPID, new Set([OPENID])]]) });
    expect(parseAdminList(PAIR.replace(':', ' ：\n'))).toEqual({ kind: 'listed', openids: new Set(), byAppid: new Map([[APPID, new Set([OPENID])]]) });
  });

  it.each([
    ['an appid alone', APPID, /"wx0123456789abcdef" admits nobody.*appid alone/],
    ['an appid in capitals', `WX0123456789ABCDEF:oA`, /"WX0123456789ABCDEF:oA" admits nobody/],
    ['a pair with no OPENID', `${APPID}:`, /admits nobody/],
    ['a pair whose appid is not an appid', 'wxNOPE:oA', /"wxNOPE:oA" admits nobody/],
    ['two colons', `${APPID}:oA:oB`, /admits nobody/],
    ['characters no OPENID has', 'o"quoted"', /admits nobody/],
    ['a stray asterisk', 'oA*b', /"oA\*b" admits nobody \(entry 2: its OPENID has "\*", which no OPENID has/],
    ['a letter no OPENID has', 'oAé', /"oAé" admits nobody \(entry 2: its OPENID has U\+00E9/],
  ])('reports %s as a problem naming the entry, and admits nobody for it', (_, entry, problem) => {
    const config = readConfig({ PLUGIN_ADMIN_OPENIDS: `oGood,${entry}` });

    expect(config.admins).toEqual({ kind: 'listed', openids: new Set(['oGood']), byAppid: new Map() });
    expect(config.problems).toEqual([expect.stringMatching(problem)]);
    expect(config.problems[0]).toContain('APPID:OPENID');
  });

  it.each([
    ['a zero-width space after an OPENID', 'o_local_admin\u200B', { openids: ['o_local_admin'], pairs: [] }],
    ['a byte-order mark before the value', '\uFEFFo_local_admin', { openids: ['o_local_admin'], pairs: [] }],
    ['a zero-width joiner inside an OPENID', 'o_local\u200D_admin', { openids: ['o_local_admin'], pairs: [] }],
    ['a right-to-left mark around the colon of a pair', `${APPID}\u200F:\u200E${OPENID}`, { openids: [], pairs: [[APPID, OPENID]] }],
    ['a soft hyphen and a word joiner', `o_loc\u00ADal_admin\u2060,${PAIR}`, { openids: ['o_local_admin'], pairs: [[APPID, OPENID]] }],
  ])('reads an entry with %s pasted into it as the entry it shows, with no problem to report', (_, raw, expected) => {
    const config = readConfig({ PLUGIN_ADMIN_OPENIDS: raw });

    const byAppid = new Map<string, Set<string>>();
    for (const [appid, openid] of expected.pairs) byAppid.set(appid ?? '', new Set([openid ?? '']));
    expect(config.admins).toEqual({ kind: 'listed', openids: new Set(expected.openids), byAppid });
    expect(config.problems).toEqual([]);
  });

  it('cuts a long malformed entry short in the problem it reports', () => {
    const config = readConfig({ PLUGIN_ADMIN_OPENIDS: `oGood,${'x'.repeat(500)}:` });

    expect(config.problems[0]?.length).toBeLessThan(400);
  });

  it('admits nobody, and still reports the entries, when every entry is malformed', () => {
    const config = readConfig({ PLUGIN_ADMIN_OPENIDS: `${APPID}, wxNOPE:oA` });

    expect(config.admins).toEqual({ kind: 'unset' });
    expect(config.problems).toHaveLength(2);
  });
});
