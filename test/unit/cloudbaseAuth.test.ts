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

  it.each([
    ['unset', undefined],
    ['empty', ' , '],
    ['only malformed entries', `${ADMIN_APP}, wxNOPE:o`],
  ])('refuses every mini-program while PLUGIN_ADMIN_OPENIDS is %s, saying which variable to set', async (_, admins) => {
    const answer = await callAs(loadFunction(admins), { appid: ADMIN_APP, openid: USER });

    expect(answer.errCode).not.toBe(0);
    expect(answer.errMsg).toMatch(/PLUGIN_ADMIN_OPENIDS is not set on cloudbase_auth/);
  });

  it('writes one log line with the calling appid and the OPENID masked', async () => {
    await callAs(main, { appid: ADMIN_APP, openid: 'o_admin_app_user_1234' });

    expect(logLines).toHaveLength(1);
    expect(JSON.parse(logLines[0] ?? '{}')).toEqual({ fn: 'cloudbase_auth', requestId: 'req-auth', callerAppid: ADMIN_APP, caller: 'o_ad…1234', outcome: 'OK' });
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
