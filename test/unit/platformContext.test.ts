/**
 * What the platform injects, treated as untrusted in type: both functions' entry points with wx-server-sdk mocked
 * so that getWXContext can answer what the real one answers in odd cases (digit-only values become numbers there),
 * or anything at all, or throw.
 */
import fc from 'fast-check';

const ADMIN = 'oAdmin1234567890abcdefghijk';
const APPID = 'wx0123456789abcdef';

const sdk = {
  context: (): unknown => ({ OPENID: ADMIN }),
  setDevPluginApplyStatus: jest.fn<Promise<unknown>, [unknown]>(),
  getPluginDevApplyList: jest.fn<Promise<unknown>, [unknown]>(),
};

jest.mock('wx-server-sdk', () => ({
  DYNAMIC_CURRENT_ENV: Symbol('DYNAMIC_CURRENT_ENV'),
  init: () => undefined,
  getWXContext: () => sdk.context(),
  openapi: {
    pluginManager: {
      setDevPluginApplyStatus: (data: unknown) => sdk.setDevPluginApplyStatus(data),
      getPluginDevApplyList: (data: unknown) => sdk.getPluginDevApplyList(data),
    },
  },
}));

type Main = (event: unknown, context?: unknown) => Promise<Record<string, unknown>>;
const FUNCTIONS = ['setPluginApplyStatus', 'getPluginApplyList'] as const;
const EVENTS = { setPluginApplyStatus: { action: 'dev_agree', appid: APPID }, getPluginApplyList: {} };

/** Loads a function as a fresh container would, with these environment variables set in the console. */
function loadFunction(name: (typeof FUNCTIONS)[number], env: Record<string, string | undefined>): Main {
  const saved = process.env;
  // This mock SDK has no database: the decision trail is off here, and tested in test/unit/trail.test.ts and test/contract/trail*.
  process.env = Object.fromEntries(Object.entries({ ...saved, PLUGIN_APPLY_AUDIT: 'off', ...env }).filter(([, value]) => value !== undefined));
  let main: Main | undefined;
  jest.isolateModules(() => {
    main = (require(`../../src/functions/${name}`) as { main: Main }).main;
  });
  process.env = saved;
  return main as Main;
}

/** Runs `work` with these variables in process.env, as the platform would have set them for the call. */
async function withEnv<T>(env: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const saved = process.env;
  process.env = { ...saved, ...env };
  try {
    return await work();
  } finally {
    process.env = saved;
  }
}

let logLines: string[];

beforeEach(() => {
  sdk.context = () => ({ OPENID: ADMIN });
  sdk.setDevPluginApplyStatus.mockReset().mockResolvedValue({ errCode: 0, errMsg: 'openapi.pluginManager.setDevPluginApplyStatus:ok' });
  sdk.getPluginDevApplyList.mockReset().mockResolvedValue({ applyList: [], errCode: 0 });
  logLines = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    logLines.push(String(chunk));
    return true;
  });
});

afterEach(() => jest.restoreAllMocks());

describe.each(FUNCTIONS)('%s with a digit-only OPENID (getWXContext gives it as a number)', (name) => {
  it('answers FORBIDDEN with the OPENID as the platform set it, instead of throwing', async () => {
    const main = loadFunction(name, { PLUGIN_ADMIN_OPENIDS: ADMIN });
    sdk.context = () => ({ OPENID: 123456789, APPID: APPID, ENV: 'test' });

    const result = await withEnv({ WX_OPENID: '0123456789' }, () => main(EVENTS[name]));

    expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', yourOpenid: '0123456789', adminEntry: '0123456789' } });
    expect(sdk.setDevPluginApplyStatus).not.toHaveBeenCalled();
    expect(logLines).toHaveLength(1);
  });

  it('admits a digit-only admin by the exact text of the variable, leading zero included', async () => {
    const main = loadFunction(name, { PLUGIN_ADMIN_OPENIDS: '0123456789' });
    sdk.context = () => ({ OPENID: 123456789 });

    const result = await withEnv({ WX_OPENID: '0123456789' }, () => main(EVENTS[name]));

    expect(result).toMatchObject({ ok: true });
  });

  it('does not admit a number whose text is not what the platform set', async () => {
    const main = loadFunction(name, { PLUGIN_ADMIN_OPENIDS: '123456789' });
    sdk.context = () => ({ OPENID: 123456789 });

    const result = await withEnv({ WX_OPENID: '0123456789' }, () => main(EVENTS[name]));

    expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });
});

/** Anything getWXContext might give: the real keys with values of any type, odd keys, or not an object at all. */
const platformContext = fc.oneof(
  fc.record(
    {
      OPENID: fc.oneof(fc.string(), fc.integer(), fc.constant(ADMIN), fc.anything()),
      APPID: fc.oneof(fc.string(), fc.integer(), fc.anything()),
      FROM_APPID: fc.oneof(fc.constant(APPID), fc.string(), fc.integer(), fc.anything()),
      FROM_OPENID: fc.oneof(fc.constant(ADMIN), fc.string(), fc.integer(), fc.anything()),
      ENV: fc.anything(),
      SOURCE: fc.anything(),
    },
    { requiredKeys: [] },
  ),
  fc.anything(),
);

describe.each(FUNCTIONS)('%s under any platform context', (name) => {
  const main = loadFunction(name, { PLUGIN_ADMIN_OPENIDS: `${ADMIN},${APPID}:${ADMIN}` });

  it('never throws, writes one log line, and lets in only an admin the list names', async () => {
    await fc.assert(
      fc.asyncProperty(platformContext, fc.boolean(), fc.anything(), async (context, throws, scfContext) => {
        sdk.context = () => {
          if (throws) throw new TypeError('getWXContext failed');
          return context;
        };
        logLines = [];

        const result = await main(EVENTS[name], scfContext);

        expect(typeof result.ok).toBe('boolean');
        expect(() => JSON.stringify(result)).not.toThrow();
        expect(logLines).toHaveLength(1);
        const fields = (typeof context === 'object' && context !== null ? context : {}) as Record<string, unknown>;
        const admitted =
          !throws &&
          ('FROM_APPID' in fields && fields.FROM_APPID !== undefined ? fields.FROM_APPID === APPID && fields.FROM_OPENID === ADMIN : fields.OPENID === ADMIN);
        if (!admitted) expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
        else expect(result.ok).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
