/**
 * cloudbase_auth, from its entry point: which calling mini-programs it admits to the shared environment, what it
 * answers the others, and that no input makes it throw. The same function runs built in test/contract.
 */
import fc from 'fast-check';
import type { AuthAnswer } from '../../src/functions/cloudbase_auth';

const ADMIN_APP = 'wx1a2b3c4d5e6f7089';
const OTHER_APP = 'wx99999999999999ff';
const USER = 'o_admin_app_user';

type Main = (event: unknown, context?: unknown) => Promise<AuthAnswer>;

/** Loads the function as a fresh container would, with PLUGIN_ADMIN_OPENIDS as set in the console. */
function loadFunction(admins: string | undefined): Main {
  const saved = process.env;
  process.env = { ...saved };
  if (admins === undefined) delete process.env.PLUGIN_ADMIN_OPENIDS;
  else process.env.PLUGIN_ADMIN_OPENIDS = admins;
  let main: Main | undefined;
  jest.isolateModules(() => {
    main = (require('../../src/functions/cloudbase_auth') as { main: Main }).main;
  });
  process.env = saved;
  return main as Main;
}

/** Calls the function with the context the platform injects for a call from `from` (none: a same-account call). */
async function callAs(main: Main, from: { appid?: string; openid?: string } | null, event: unknown = {}): Promise<AuthAnswer> {
  const saved = process.env;
  const keys = from === null ? ['WX_OPENID'] : ['WX_FROM_APPID', 'WX_FROM_OPENID'];
  process.env = { ...saved, WX_CONTEXT_KEYS: keys.join(','), WX_OPENID: 'o_same_account', TCB_ENV: 'local' };
  if (from?.appid !== undefined) process.env.WX_FROM_APPID = from.appid;
  if (from?.openid !== undefined) process.env.WX_FROM_OPENID = from.openid;
  try {
    return await main(event, { request_id: 'req-auth' });
  } finally {
    process.env = saved;
  }
}

let logLines: string[];

beforeEach(() => {
  logLines = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    logLines.push(String(chunk));
    return true;
  });
});

afterEach(() => jest.restoreAllMocks());

describe('cloudbase_auth', () => {
  const main = loadFunction(`o_local_admin, ${ADMIN_APP}:${USER}`);

  it('admits a mini-program named by an APPID:OPENID entry, naming it in auth', async () => {
    const answer = await callAs(main, { appid: ADMIN_APP, openid: USER });

    expect(answer).toEqual({ errCode: 0, errMsg: '', auth: JSON.stringify({ appid: ADMIN_APP }) });
  });

  it('admits any user of that mini-program: the functions themselves check the user', async () => {
    expect(await callAs(main, { appid: ADMIN_APP, openid: 'o_someone_else' })).toMatchObject({ errCode: 0 });
  });

  it('refuses another mini-program, saying which entry to add to which variable', async () => {
    const answer = await callAs(main, { appid: OTHER_APP, openid: 'o_x' });

    expect(answer.errCode).not.toBe(0);
    expect(answer.errMsg).toContain(`mini-program ${OTHER_APP} is not admitted`);
    expect(answer.errMsg).toContain(`Add ${OTHER_APP}:o_x`);
    expect(answer.errMsg).toContain('PLUGIN_ADMIN_OPENIDS');
  });

  it('refuses a call that names no calling mini-program', async () => {
    const answer = await callAs(main, null);

    expect(answer.errCode).not.toBe(0);
    expect(answer.errMsg).toMatch(/FROM_APPID/);
  });

  it('does not take an OPENID entry, or the OPENID half of a pair, as naming a mini-program', async () => {
    const answer = await callAs(loadFunction(`${USER}, o_local_admin`), { appid: ADMIN_APP, openid: USER });

    expect(answer.errCode).not.toBe(0);
  });

  it('refuses every mini-program while PLUGIN_ADMIN_OPENIDS is unset, saying so and which entry to add', async () => {
    const answer = await callAs(loadFunction(undefined), { appid: ADMIN_APP, openid: USER });

    expect(answer.errCode).not.toBe(0);
    expect(answer.errMsg).toMatch(/PLUGIN_ADMIN_OPENIDS is not set on cloudbase_auth/);
    expect(answer.errMsg).toContain(`Add ${ADMIN_APP}:${USER}`);
  });

  it('says the variable holds no entry when it is set to separators only', async () => {
    const answer = await callAs(loadFunction(' , '), { appid: ADMIN_APP, openid: USER });

    expect(answer.errCode).not.toBe(0);
    expect(answer.errMsg).toContain('PLUGIN_ADMIN_OPENIDS is set on cloudbase_auth but holds no entry');
    expect(answer.errMsg).toContain(`Add ${ADMIN_APP}:${USER}`);
  });

  it('says the variable is set but names no APPID:OPENID entry for this mini-program, giving the entry to add', async () => {
    const answer = await callAs(loadFunction(`o_local_admin, ${OTHER_APP}:o_other`), { appid: ADMIN_APP, openid: USER });

    expect(answer.errCode).not.toBe(0);
    expect(answer.errMsg).not.toMatch(/not set/);
    expect(answer.errMsg).toContain(`PLUGIN_ADMIN_OPENIDS is set on cloudbase_auth, but no APPID:OPENID entry names mini-program ${ADMIN_APP}`);
    expect(answer.errMsg).toContain(`Add ${ADMIN_APP}:${USER}`);
  });

  describe('with malformed entries, names each by its position and what is wrong, never by its text', () => {
    it.each([
      ['an appid alone', ADMIN_APP, 'Entry 1 of 1 is malformed: it is an appid alone'],
      ['the value pasted with quotes', `"${ADMIN_APP}:${USER}"`, 'Entry 1 of 1 is malformed: it has quotes'],
      ['a pair whose appid is in capitals', `WX1A2B3C4D5E6F7089:${USER}`, 'Entry 1 of 1 is malformed: its appid has capitals'],
      ['a stray character in the OPENID', `o_local_admin, ${ADMIN_APP}:o_admin*app_user`, 'Entry 2 of 2 is malformed: its OPENID has "*"'],
      ['two colons', `${ADMIN_APP}:${USER}:x`, 'Entry 1 of 1 is malformed: it has more than one colon'],
      ['no OPENID after the colon', `${ADMIN_APP}:`, 'Entry 1 of 1 is malformed: it has no OPENID after the colon'],
    ])('%s', async (_, admins, named) => {
      const answer = await callAs(loadFunction(admins), { appid: ADMIN_APP, openid: USER });

      expect(answer.errCode).not.toBe(0);
      expect(answer.errMsg).not.toMatch(/not set/);
      expect(answer.errMsg).toContain(named);
      expect(answer.errMsg).toContain(`Add ${ADMIN_APP}:${USER}`);
    });

    it('shows a stranger no part of an admin OPENID that a stray character split in two', async () => {
      const secret = 'oAdminSecret*OfSomeoneElse_99';

      const answer = await callAs(loadFunction(`o_local_admin, ${ADMIN_APP}:${secret}`), { appid: ADMIN_APP, openid: 'o_stranger' });

      expect(answer.errCode).not.toBe(0);
      for (const part of ['oAdminSecret', 'OfSomeoneElse_99', 'Secret', 'Someone']) expect(answer.errMsg).not.toContain(part);
      expect(answer.errMsg).toContain('Entry 2 of 2 is malformed');
    });

    it('shows a stranger no part of an entry quoted or written with capitals either', async () => {
      const answer = await callAs(loadFunction(`"${ADMIN_APP}:o_another_admin_4321", WX1A2B3C4D5E6F7089:o_third_admin_8765`), {
        appid: ADMIN_APP,
        openid: 'o_stranger',
      });

      for (const part of ['another', '4321', 'third', '8765']) expect(answer.errMsg).not.toContain(part);
    });

    it('names at most three, saying how many more there are', async () => {
      const answer = await callAs(loadFunction('wxNOPE:a, wxNOPE:b, wxNOPE:c, wxNOPE:d, wxNOPE:e'), { appid: ADMIN_APP, openid: USER });

      expect(answer.errMsg).toContain('Entry 3 of 5');
      expect(answer.errMsg).not.toContain('Entry 4');
      expect(answer.errMsg).toContain('and 2 more malformed');
      expect(answer.errMsg.length).toBeLessThan(1200);
    });

    it.each([
      ['spaces around the colon', `${ADMIN_APP} : ${USER}`],
      ['a full-width colon with spaces', `${ADMIN_APP} ： ${USER}`],
    ])('reads an entry written with %s as that one APPID:OPENID entry', async (_, admins) => {
      const answer = await callAs(loadFunction(admins), { appid: ADMIN_APP, openid: USER });

      expect(answer).toMatchObject({ errCode: 0 });
    });

    it.each([
      ['a zero-width space after the OPENID', `${ADMIN_APP}:${USER}\u200B`],
      ['a byte-order mark before the appid', `\uFEFF${ADMIN_APP}:${USER}`],
      ['a left-to-right mark inside the appid', `wx1a2b\u200E3c4d5e6f7089:${USER}`],
    ])('admits the mini-program an entry shows when it carries %s, as the other two functions do', async (_, admins) => {
      const answer = await callAs(loadFunction(admins), { appid: ADMIN_APP, openid: USER });

      expect(answer).toMatchObject({ errCode: 0 });
    });

    it('still admits a mini-program that a well-formed entry names', async () => {
      const answer = await callAs(loadFunction(`${OTHER_APP}, ${ADMIN_APP}:${USER}`), { appid: ADMIN_APP, openid: USER });

      expect(answer).toMatchObject({ errCode: 0 });
    });
  });

  it('writes one log line with the calling appid and the OPENID masked', async () => {
    await callAs(main, { appid: ADMIN_APP, openid: 'o_admin_app_user_1234' });

    expect(logLines).toHaveLength(1);
    expect(JSON.parse(logLines[0] ?? '{}')).toEqual({
      fn: 'cloudbase_auth',
      requestId: 'req-auth',
      callerAppid: ADMIN_APP,
      caller: 'o_ad…1234',
      outcome: 'OK',
    });
  });

  it('never throws and answers a string errMsg, whatever PLUGIN_ADMIN_OPENIDS holds', async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(fc.string({ unit: 'binary' }), { nil: undefined }), fc.option(fc.string(), { nil: undefined }), async (admins, openid) => {
        const answer = await callAs(loadFunction(admins), { appid: ADMIN_APP, openid });

        expect(typeof answer.errCode).toBe('number');
        expect(typeof answer.errMsg).toBe('string');
      }),
      // Each run loads the function afresh, as a cold start reads the variable: a few dozen keep this quick.
      { numRuns: 30 },
    );
  });

  it('never throws and admits only the named mini-program, whatever the event, context and platform values', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.oneof(fc.constant(ADMIN_APP), fc.string(), fc.stringMatching(/^\d{1,20}$/)), { nil: undefined }),
        fc.option(fc.oneof(fc.constant(USER), fc.string(), fc.stringMatching(/^\d{1,20}$/)), { nil: undefined }),
        fc.anything(),
        async (appid, openid, event) => {
          const answer = await callAs(main, { appid, openid }, event);

          expect(typeof answer.errCode).toBe('number');
          expect(typeof answer.errMsg).toBe('string');
          expect(answer.errCode === 0).toBe(appid === ADMIN_APP);
        },
      ),
      { numRuns: 200 },
    );
  });
});
