/**
 * `npm run deploy` with a recording stand-in of miniprogram-ci (every call it receives, in order, with its
 * arguments) and a stand-in build, on a temporary copy of the function folders: what it uploads, what it prints,
 * its exit codes, and that the upload key's content never appears in its output.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeployDeps } from '../../src/deploy/deploy';
import { deploy } from '../../src/deploy/deploy';
import type { CiProjectOptions, CreateTimeTriggerOptions, MiniprogramCi, UploadFunctionOptions } from '../../src/deploy/miniprogramCi';

/** The function folders of the project, as its config.json files grant them. */
const permissions = {
  setPluginApplyStatus: ['pluginManager.setDevPluginApplyStatus', 'pluginManager.getPluginDevApplyList'],
  getPluginApplyList: ['pluginManager.getPluginDevApplyList'],
};
const appid = 'wx0123456789abcdef';
const env = 'prod-4g1ab2c3d4e5f607';

/** A real RSA private key, as a code-upload key is; its body lines must never be printed. */
const keyText = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const keyBodyLines = keyText.split('\n').filter((line) => line.length > 0 && !line.startsWith('-----'));

/** What a deploy prints when it leaves cloudbase_auth out. */
const LEFT_OUT =
  "left out: cloudbase_auth — uploading it replaces the environment's own cloudbase_auth, and only environment sharing (way (b) in docs/deploy.md) needs it. Add --with-cloudbase-auth to deploy it.";

type Call =
  | ['Project', CiProjectOptions]
  | ['uploadFunction', Omit<UploadFunctionOptions, 'project'> & { project: unknown }]
  | ['createTimeTrigger', Omit<CreateTimeTriggerOptions, 'project'> & { project: unknown }];

/** What miniprogram-ci 2.1.42's createTimeTrigger resolves with: on success, and on any failure of WeChat's API. */
const TRIGGER_SUCCESS = '创建定时触发器成功';
const TRIGGER_FAILURE = '请检查传入的 triggersConfig 是否符合格式';

/**
 * The stand-in: records calls; `failWith` makes uploadFunction of that function throw, `log` is what it prints;
 * createTimeTrigger resolves with `triggerAnswer[functionName]` (success when not given) or throws `triggerThrows[…]`.
 */
function recordingCi(
  behaviour: {
    failWith?: Record<string, unknown>;
    log?: (name: string) => string[];
    triggerAnswer?: Record<string, unknown>;
    triggerThrows?: Record<string, unknown>;
  } = {},
): { ci: MiniprogramCi; calls: Call[] } {
  const calls: Call[] = [];
  class Project {
    readonly appid: string;
    constructor(options: CiProjectOptions) {
      calls.push(['Project', options]);
      this.appid = options.appid;
    }
  }
  const ci: MiniprogramCi = {
    Project,
    cloud: {
      uploadFunction: async (options) => {
        calls.push(['uploadFunction', { ...options, project: options.project instanceof Project ? 'the Project' : options.project }]);
        for (const line of behaviour.log?.(options.name) ?? []) console.log('\u001b[34m[info]\u001b[39m', line);
        const failure = behaviour.failWith?.[options.name];
        if (failure !== undefined) throw failure;
        return { filesCount: 3, packSize: 412_345 };
      },
      createTimeTrigger: async (options) => {
        calls.push(['createTimeTrigger', { ...options, project: options.project instanceof Project ? 'the Project' : options.project }]);
        const thrown = behaviour.triggerThrows?.[options.functionName];
        if (thrown !== undefined) throw thrown;
        return behaviour.triggerAnswer !== undefined && Object.hasOwn(behaviour.triggerAnswer, options.functionName)
          ? behaviour.triggerAnswer[options.functionName]
          : TRIGGER_SUCCESS;
      },
    },
  };
  return { ci, calls };
}

/** The names of the functions uploaded, in order. */
function uploadedNames(calls: Call[]): string[] {
  return calls.flatMap(([method, options]) => (method === 'uploadFunction' && 'name' in options ? [options.name] : []));
}

describe('npm run deploy', () => {
  let root: string;
  let keyPath: string;
  let out: string[];
  let err: string[];
  let events: string[];

  /** Runs the deploy in `root` with the stand-in, this environment and a build that writes each index.js. */
  async function run(
    args: string[],
    {
      ci = recordingCi().ci,
      vars = {},
      buildFails = false,
      fetchFails = false,
    }: { ci?: MiniprogramCi; vars?: Record<string, string>; buildFails?: boolean; fetchFails?: boolean } = {},
  ) {
    const deps: DeployDeps = {
      root,
      env: { [`MINIPROGRAM_CI_PRIVATE_KEY_PATH`]: keyPath, ...vars },
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      build: async () => {
        events.push('build');
        if (buildFails) return { ok: false, output: 'error: setPluginApplyStatus: … does not list "pluginManager.getPluginDevApplyList"' };
        for (const name of readdirSync(join(root, 'cloudfunctions')))
          writeFileSync(join(root, 'cloudfunctions', name, 'index.js'), `exports.main = async () => '${name}';\n`);
        return { ok: true, output: '' };
      },
      loadCi: async (say) => {
        events.push('loadCi');
        if (fetchFails) throw new Error('could not fetch miniprogram-ci 2.1.42 with npm (exit 1): npm error code ENOTFOUND');
        say('fetching miniprogram-ci 2.1.42 once into .cache/');
        return ci;
      },
    };
    const code = await deploy(args, deps);
    const printed = [...out, ...err].join('\n');
    for (const line of keyBodyLines) expect(printed).not.toContain(line);
    return code;
  }

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'deploy-test-'));
    for (const [name, openapi] of Object.entries(permissions)) {
      mkdirSync(join(root, 'cloudfunctions', name), { recursive: true });
      writeFileSync(join(root, 'cloudfunctions', name, 'config.json'), `${JSON.stringify({ permissions: { openapi } }, null, 2)}\n`);
      writeFileSync(
        join(root, 'cloudfunctions', name, 'package.json'),
        `${JSON.stringify({ name, version: '0.1.0', main: 'index.js', dependencies: {} }, null, 2)}\n`,
      );
    }
    keyPath = join(root, `private.${appid}.key`);
    writeFileSync(keyPath, keyText);
    out = [];
    err = [];
    events = [];
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('builds, then uploads every function folder in name order with one Project for the plugin, files as they are', async () => {
    const { ci, calls } = recordingCi();

    const code = await run(['--env', env, '--appid', appid], { ci });

    expect(code).toBe(0);
    expect(events).toEqual(['build', 'loadCi']);
    expect(calls).toEqual([
      ['Project', { appid, type: 'miniProgramPlugin', projectPath: join(root, 'cloudfunctions'), privateKeyPath: keyPath, ignores: ['node_modules/**/*'] }],
      [
        'uploadFunction',
        { project: 'the Project', env, name: 'getPluginApplyList', path: join(root, 'cloudfunctions/getPluginApplyList'), remoteNpmInstall: false },
      ],
      [
        'uploadFunction',
        { project: 'the Project', env, name: 'setPluginApplyStatus', path: join(root, 'cloudfunctions/setPluginApplyStatus'), remoteNpmInstall: false },
      ],
    ]);
    expect(out).toContain('[1/2] getPluginApplyList: ✓ uploaded (3 files, 402.7 KB packed) in 0.0 s');
    expect(out.some((line) => line.startsWith('[2/2] setPluginApplyStatus: ✓ uploaded'))).toBe(true);
    expect(out).toContain('summary: 2 uploaded, 0 failed, 0 not attempted');
  });

  it('deploys every folder that has a config.json and skips folders without one', async () => {
    mkdirSync(join(root, 'cloudfunctions/notes'));
    writeFileSync(join(root, 'cloudfunctions/notes/README.txt'), 'not a function');
    mkdirSync(join(root, 'cloudfunctions/sendDigest'));
    writeFileSync(join(root, 'cloudfunctions/sendDigest/config.json'), '{"permissions":{"openapi":[]}}');
    const { ci, calls } = recordingCi();

    const code = await run(['--env', env, '--appid', appid], { ci });

    expect(code).toBe(0);
    expect(uploadedNames(calls)).toEqual(['getPluginApplyList', 'sendDigest', 'setPluginApplyStatus']);
  });

  describe("cloudbase_auth, which replaces the environment's own", () => {
    beforeEach(() => {
      mkdirSync(join(root, 'cloudfunctions/cloudbase_auth'));
      writeFileSync(join(root, 'cloudfunctions/cloudbase_auth/config.json'), '{"permissions":{"openapi":[]}}');
    });

    it('is left out of a plain deploy, which says so and how to include it', async () => {
      const { ci, calls } = recordingCi();

      const code = await run(['--env', env, '--appid', appid], { ci });

      expect(code).toBe(0);
      expect(uploadedNames(calls)).toEqual(['getPluginApplyList', 'setPluginApplyStatus']);
      expect(out).toContain(LEFT_OUT);
      expect(out).toContain('summary: 2 uploaded, 0 failed, 0 not attempted');
    });

    it("is left out of the dry run's plan too, with the same line", async () => {
      const code = await run(['--env', env, '--appid', appid, '--dry-run']);

      expect(code).toBe(0);
      expect(out).not.toContain('cloudbase_auth  (cloudfunctions/cloudbase_auth/)');
      expect(out).toContain(LEFT_OUT);
      expect(out.find((line) => /^\d+ functions?, /.test(line))).toMatch(/^2 functions, /);
    });

    it('is deployed with the others when --with-cloudbase-auth asks for it', async () => {
      const { ci, calls } = recordingCi();

      const code = await run(['--env', env, '--appid', appid, '--with-cloudbase-auth'], { ci });

      expect(code).toBe(0);
      expect(uploadedNames(calls)).toEqual(['cloudbase_auth', 'getPluginApplyList', 'setPluginApplyStatus']);
      expect(out.join('\n')).not.toContain('left out');
    });

    it('is deployed alone when --only names it', async () => {
      const { ci, calls } = recordingCi();

      const code = await run(['--env', env, '--appid', appid, '--only', 'cloudbase_auth'], { ci });

      expect(code).toBe(0);
      expect(uploadedNames(calls)).toEqual(['cloudbase_auth']);
    });

    it('is added to what --only names with --with-cloudbase-auth', async () => {
      const { ci, calls } = recordingCi();

      await run(['--env', env, '--appid', appid, '--only', 'setPluginApplyStatus', '--with-cloudbase-auth'], { ci });

      expect(uploadedNames(calls)).toEqual(['cloudbase_auth', 'setPluginApplyStatus']);
    });

    it('is not mentioned when --only names other functions: nothing was left out that was asked for', async () => {
      await run(['--env', env, '--appid', appid, '--only', 'setPluginApplyStatus', '--dry-run']);

      expect(out.join('\n')).not.toContain('cloudbase_auth');
    });
  });

  it('refuses --with-cloudbase-auth where there is no cloudbase_auth folder, before building (exit 2)', async () => {
    const code = await run(['--env', env, '--appid', appid, '--with-cloudbase-auth']);

    expect(code).toBe(2);
    expect(events).toEqual([]);
    expect(err[0]).toBe(
      'error: --with-cloudbase-auth: there is no cloudfunctions/cloudbase_auth/config.json; the functions are getPluginApplyList, setPluginApplyStatus.',
    );
  });

  it('deploys to a mini-program environment with --type miniprogram', async () => {
    const { ci, calls } = recordingCi();

    await run(['--env', env, '--appid', appid, '--type', 'miniprogram'], { ci });

    expect(calls[0]).toEqual(['Project', expect.objectContaining({ type: 'miniProgram' })]);
  });

  it('takes the environment from CLOUD_ENV and the appid from DEPLOY_APPID before PLUGIN_APPID; flags win over both', async () => {
    const fromEnv = recordingCi();
    const fallback = recordingCi();
    const flags = recordingCi();

    await run([], { ci: fromEnv.ci, vars: { CLOUD_ENV: env, DEPLOY_APPID: appid, PLUGIN_APPID: 'wxffffffffffffffff' } });
    await run([], { ci: fallback.ci, vars: { CLOUD_ENV: env, PLUGIN_APPID: 'wxffffffffffffffff' } });
    await run(['--env', 'test-1a', '--appid', 'wx1111111111111111'], { ci: flags.ci, vars: { CLOUD_ENV: env, DEPLOY_APPID: appid } });

    expect(fromEnv.calls[0]).toEqual(['Project', expect.objectContaining({ appid })]);
    expect(fromEnv.calls[1]).toEqual(['uploadFunction', expect.objectContaining({ env })]);
    expect(fallback.calls[0]).toEqual(['Project', expect.objectContaining({ appid: 'wxffffffffffffffff' })]);
    expect(flags.calls[0]).toEqual(['Project', expect.objectContaining({ appid: 'wx1111111111111111' })]);
    expect(flags.calls[1]).toEqual(['uploadFunction', expect.objectContaining({ env: 'test-1a' })]);
  });

  it('uploads only the functions --only names', async () => {
    const { ci, calls } = recordingCi();

    const code = await run(['--env', env, '--appid', appid, '--only', 'setPluginApplyStatus'], { ci });

    expect(code).toBe(0);
    expect(calls.map(([method, options]) => `${method} ${'name' in options ? options.name : ''}`.trim())).toEqual([
      'Project',
      'uploadFunction setPluginApplyStatus',
    ]);
  });

  it('refuses --only with an unknown function before building, naming the functions there are (exit 2)', async () => {
    const code = await run(['--env', env, '--appid', appid, '--only', 'setPluginApplyStatus,getPluginApplyLsit']);

    expect(code).toBe(2);
    expect(events).toEqual([]);
    expect(err[0]).toBe(
      'error: --only getPluginApplyLsit: there is no cloudfunctions/getPluginApplyLsit/config.json; the functions are getPluginApplyList, setPluginApplyStatus.',
    );
  });

  describe('--dry-run', () => {
    it('builds and prints the target and, per function, its folder, files with sizes and permissions, calling nothing and needing no key', async () => {
      const { ci, calls } = recordingCi();

      const code = await run(['--env', env, '--appid', appid, '--dry-run'], { ci, vars: { MINIPROGRAM_CI_PRIVATE_KEY_PATH: '' } });

      expect(code).toBe(0);
      expect(events).toEqual(['build']);
      expect(calls).toEqual([]);
      expect(out).toEqual([
        'building (with the permission check)…',
        'dry run: nothing is uploaded and no key is needed.',
        `target: env ${env} · appid ${appid} · type plugin (miniProgramPlugin)`,
        'getPluginApplyList  (cloudfunctions/getPluginApplyList/)',
        '  config.json          94 B',
        '  index.js             49 B',
        '  package.json        101 B',
        '  permissions: pluginManager.getPluginDevApplyList',
        'setPluginApplyStatus  (cloudfunctions/setPluginApplyStatus/)',
        '  config.json         141 B',
        '  index.js             51 B',
        '  package.json        103 B',
        '  permissions: pluginManager.setDevPluginApplyStatus, pluginManager.getPluginDevApplyList',
        '2 functions, 539 B, uploaded as they are (no cloud-side npm install).',
        'next, before the first deploy:',
        '  1. create getPluginApplyList, setPluginApplyStatus in the cloud console on Node.js 16.13 or newer (云开发控制台 → 云函数 → 新建):',
        '     a function miniprogram-ci creates runs Node.js 8.9, where these cannot run, and its runtime cannot be changed.',
        "  2. set each function's environment variables (云函数 → the function → 配置 → 环境变量): PLUGIN_ADMIN_OPENIDS,",
        '     the same on every function; PLUGIN_APPID and PLUGIN_APPSECRET only to call WeChat over HTTPS.',
        '  3. set MINIPROGRAM_CI_PRIVATE_KEY_PATH to the code-upload key (mp.weixin.qq.com → 开发管理 → 开发设置 → 小程序代码上传 (upload key and IP whitelist)), then run this command without --dry-run.',
      ]);
    });

    it('names a function folder whose config.json is broken (exit 1)', async () => {
      writeFileSync(join(root, 'cloudfunctions/getPluginApplyList/config.json'), '{"permissions":{"openapi":"pluginManager.getPluginDevApplyList"}}');

      const code = await run(['--env', env, '--appid', appid, '--dry-run']);

      expect(code).toBe(1);
      expect(err).toEqual(['error: cloudfunctions/getPluginApplyList/config.json: permissions.openapi must be a list of API names.']);
    });
  });

  describe('timer triggers', () => {
    const trigger = { name: 'watchQueueTimer', type: 'timer', config: '0 */10 * * * * *' };

    /** A third function, like the watcher, whose config.json declares `triggers`. */
    function functionWithTrigger(triggers: unknown): void {
      mkdirSync(join(root, 'cloudfunctions/watchQueue'));
      writeFileSync(join(root, 'cloudfunctions/watchQueue/config.json'), `${JSON.stringify({ permissions: { openapi: [] }, triggers }, null, 2)}\n`);
      writeFileSync(join(root, 'cloudfunctions/watchQueue/package.json'), '{"name":"watchQueue","main":"index.js"}\n');
    }

    it("uploads a function's trigger right after the function, with config.json's entry as it is, and reports both (exit 0)", async () => {
      functionWithTrigger([trigger]);
      const { ci, calls } = recordingCi();

      const code = await run(['--env', env, '--appid', appid], { ci });

      expect(code).toBe(0);
      expect(calls.slice(3)).toEqual([
        ['uploadFunction', expect.objectContaining({ name: 'watchQueue' })],
        ['createTimeTrigger', { project: 'the Project', envId: env, functionName: 'watchQueue', triggersConfig: [trigger] }],
      ]);
      expect(out).toContain('[3/3] watchQueue: ✓ trigger watchQueueTimer, timer "0 */10 * * * * *" (UTC+8) uploaded');
      expect(out).toContain('summary: 3 uploaded, 0 failed, 0 not attempted; triggers: 1 uploaded, 0 failed');
    });

    it('treats the string miniprogram-ci returns on failure as a failure: says what to do, deploys the rest, exits 1', async () => {
      functionWithTrigger([trigger]);
      mkdirSync(join(root, 'cloudfunctions/aaaNightly'));
      writeFileSync(
        join(root, 'cloudfunctions/aaaNightly/config.json'),
        JSON.stringify({ permissions: { openapi: [] }, triggers: [{ name: 'nightly', type: 'timer', config: '0 0 2 * * * *' }] }),
      );
      const { ci, calls } = recordingCi({ triggerAnswer: { aaaNightly: TRIGGER_FAILURE } });

      const code = await run(['--env', env, '--appid', appid], { ci });

      expect(code).toBe(1);
      expect(calls.filter(([method]) => method === 'createTimeTrigger').map(([, options]) => ('functionName' in options ? options.functionName : ''))).toEqual([
        'aaaNightly',
        'watchQueue',
      ]);
      expect(uploadedNames(calls)).toEqual(['aaaNightly', 'getPluginApplyList', 'setPluginApplyStatus', 'watchQueue']);
      expect(err).toEqual([
        `[1/4] aaaNightly: ✗ trigger nightly not uploaded: miniprogram-ci answered "${TRIGGER_FAILURE}" instead of "${TRIGGER_SUCCESS}", whatever WeChat refused. ` +
          "Its code is uploaded; set the trigger from DevTools instead: right-click cloudfunctions/aaaNightly → 上传触发器 (upload trigger), which shows WeChat's own reason, or check it in the cloud console (云函数 → aaaNightly → 触发器).",
      ]);
      expect(out).toContain('[4/4] watchQueue: ✓ trigger watchQueueTimer, timer "0 */10 * * * * *" (UTC+8) uploaded');
      expect(out).toContain('summary: 4 uploaded, 0 failed, 0 not attempted; triggers: 1 uploaded, 1 failed');
    });

    it.each([
      ['nothing', undefined, 'answered "undefined"'],
      ['an object', { errCode: -1 }, 'answered "{"errCode":-1}"'],
      ['another string', '创建失败', 'answered "创建失败"'],
    ])('treats %s as an answer but the success string as a failure (exit 1)', async (_what, answer, said) => {
      functionWithTrigger([trigger]);
      const { ci } = recordingCi({ triggerAnswer: { watchQueue: answer } });

      const code = await run(['--env', env, '--appid', appid], { ci });

      expect(code).toBe(1);
      expect(err[0]).toContain(`[3/3] watchQueue: ✗ trigger watchQueueTimer not uploaded: miniprogram-ci ${said}`);
    });

    it('explains a trigger upload that throws, and stops the rest when the same problem would fail them (exit 1)', async () => {
      functionWithTrigger([trigger]);
      mkdirSync(join(root, 'cloudfunctions/aaaNightly'));
      writeFileSync(
        join(root, 'cloudfunctions/aaaNightly/config.json'),
        JSON.stringify({ permissions: { openapi: [] }, triggers: [{ name: 'nightly', type: 'timer', config: '0 0 2 * * * *' }] }),
      );
      const { ci, calls } = recordingCi({ triggerThrows: { aaaNightly: new Error('-10008 invalid ip: 203.0.113.7') } });

      const code = await run(['--env', env, '--appid', appid], { ci });

      expect(code).toBe(1);
      expect(err[0]).toContain("[1/4] aaaNightly: ✗ trigger nightly not uploaded: WeChat refused the upload from this machine's IP 203.0.113.7");
      expect(err[0]).toContain('上传触发器');
      expect(uploadedNames(calls)).toEqual(['aaaNightly']);
      expect(out).toContain('summary: 1 uploaded, 0 failed, 3 not attempted; triggers: 0 uploaded, 1 failed');
    });

    it('does not upload the trigger of a function whose upload failed', async () => {
      functionWithTrigger([trigger]);
      const { ci, calls } = recordingCi({ failWith: { watchQueue: new Error('create function failed: quota exceeded') } });

      const code = await run(['--env', env, '--appid', appid], { ci });

      expect(code).toBe(1);
      expect(calls.some(([method]) => method === 'createTimeTrigger')).toBe(false);
      expect(out).toContain('summary: 2 uploaded, 1 failed, 0 not attempted');
    });

    it.each([
      [[{ ...trigger, config: '*/10 * * * *' }], 'cloudfunctions/watchQueue/config.json triggers[0].config: "*/10 * * * *" has 5 fields'],
      [
        [{ ...trigger, name: 'watch queue' }],
        'cloudfunctions/watchQueue/config.json triggers[0].name must be 1–60 letters, digits, - or _, starting with a letter (got "watch queue")',
      ],
      [[{ ...trigger, name: `t${'x'.repeat(60)}` }], 'cloudfunctions/watchQueue/config.json triggers[0].name must be 1–60 letters'],
      [[trigger, { ...trigger, name: 'second' }], 'cloudfunctions/watchQueue/config.json triggers lists 2 triggers; a cloud function has at most one'],
      [[{ ...trigger, type: 'http' }], 'cloudfunctions/watchQueue/config.json triggers[0].type must be "timer"'],
      [{ name: 'tick' }, 'cloudfunctions/watchQueue/config.json triggers must be an array'],
    ])(
      'stops before loading miniprogram-ci or uploading anything when the trigger is %j, naming the file and what is wrong (exit 1)',
      async (triggers, message) => {
        functionWithTrigger(triggers);
        const { ci, calls } = recordingCi();

        const code = await run(['--env', env, '--appid', appid], { ci });

        expect(code).toBe(1);
        expect(events).toEqual(['build']);
        expect(calls).toEqual([]);
        expect(err).toHaveLength(1);
        expect(err[0]).toContain(`error: ${message}`);
        expect(err[0]).toMatch(/Nothing was uploaded: fix the trigger, then deploy again\.$/);
      },
    );

    it("lists each function's trigger in the dry run, and none for a function without one", async () => {
      functionWithTrigger([trigger]);

      const code = await run(['--env', env, '--appid', appid, '--dry-run']);

      expect(code).toBe(0);
      const plan = out.slice(out.indexOf('watchQueue  (cloudfunctions/watchQueue/)'));
      expect(plan.slice(0, 6)).toEqual([
        'watchQueue  (cloudfunctions/watchQueue/)',
        expect.stringMatching(/^ {2}config\.json +\d+ B$/),
        expect.stringMatching(/^ {2}index\.js +\d+ B$/),
        expect.stringMatching(/^ {2}package\.json +\d+ B$/),
        '  permissions: none (calls no openapi)',
        '  trigger: watchQueueTimer, timer "0 */10 * * * * *" (UTC+8), uploaded after the function',
      ]);
      expect(out.filter((line) => line.startsWith('  trigger:'))).toHaveLength(1);
    });
  });

  describe('the upload key', () => {
    it('without MINIPROGRAM_CI_PRIVATE_KEY_PATH, stops before building or loading miniprogram-ci, saying where the key is generated (exit 2)', async () => {
      const code = await run(['--env', env, '--appid', appid], { vars: { MINIPROGRAM_CI_PRIVATE_KEY_PATH: '' } });

      expect(code).toBe(2);
      expect(events).toEqual([]);
      expect(err).toHaveLength(1);
      expect(err[0]).toContain('MINIPROGRAM_CI_PRIVATE_KEY_PATH');
      expect(err[0]).toContain('开发管理 → 开发设置 → 小程序代码上传');
    });

    it('refuses a key path that is not a file (exit 2)', async () => {
      const code = await run(['--env', env, '--appid', appid], { vars: { MINIPROGRAM_CI_PRIVATE_KEY_PATH: join(root, 'nowhere.key') } });

      expect(code).toBe(2);
      expect(events).toEqual([]);
      expect(err[0]).toContain(`MINIPROGRAM_CI_PRIVATE_KEY_PATH=${join(root, 'nowhere.key')} cannot be read (ENOENT)`);
    });

    it('refuses a file that is not a private key without printing what is in it (exit 2)', async () => {
      writeFileSync(keyPath, 'PLUGIN_APPSECRET=0123456789abcdef0123456789abcdef\n');

      const code = await run(['--env', env, '--appid', appid]);

      expect(code).toBe(2);
      expect(err[0]).toContain('is not a PEM private key');
      expect(err.join('\n')).not.toContain('0123456789abcdef0123456789abcdef');
    });

    it('refuses a key passed as a flag: its path is read only from the environment (exit 2)', async () => {
      const code = await run(['--env', env, '--appid', appid, `--private-key=${keyPath}`]);

      expect(code).toBe(2);
      expect(err[0]).toBe(
        "error: --private-key: the key's path is read only from MINIPROGRAM_CI_PRIVATE_KEY_PATH, so it never lands in shell history or CI logs.",
      );
    });
  });

  it('lists every usage problem at once (exit 2)', async () => {
    const code = await run(['--env', 'prod env', '--appid', 'wxABC', '--type', 'game'], { vars: {} });

    expect(code).toBe(2);
    expect(err).toEqual([
      'error: --env "prod env" is not an environment id: letters, digits, "-" and "_", as the cloud console shows it.',
      'error: --appid "wxABC" is not an appid: "wx" and 16 lowercase hex characters.',
      'error: --type "game": use plugin or miniprogram.',
      'Run npm run deploy -- --help for usage.',
    ]);
  });

  it('asks for the environment and the appid when neither flag nor variable gives them (exit 2)', async () => {
    const code = await run([]);

    expect(code).toBe(2);
    expect(err[0]).toContain('pass --env <envId> or set CLOUD_ENV');
    expect(err[1]).toContain('pass --appid <wx…> or set DEPLOY_APPID (or PLUGIN_APPID)');
  });

  it('prints its help with -h (exit 0)', async () => {
    const code = await run(['-h']);

    expect(code).toBe(0);
    expect(out[0]).toContain('npm run deploy -- --env <envId> --appid <wx…>');
  });

  it('with --fetch-only, only gets miniprogram-ci ready: no key, target or build needed (exit 0)', async () => {
    const code = await run(['--fetch-only'], { vars: { MINIPROGRAM_CI_PRIVATE_KEY_PATH: '' } });

    expect(code).toBe(0);
    expect(events).toEqual(['loadCi']);
    expect(out).toEqual(['fetching miniprogram-ci 2.1.42 once into .cache/', 'miniprogram-ci is ready.']);
  });

  it.each([[['--fetch-only']], [['--env', env, '--appid', appid]]])(
    'with %j, says why fetching miniprogram-ci failed, uploading nothing (exit 1)',
    async (args) => {
      const code = await run(args, { fetchFails: true });

      expect(code).toBe(1);
      expect(err).toEqual(['error: could not fetch miniprogram-ci 2.1.42 with npm (exit 1): npm error code ENOTFOUND']);
    },
  );

  it('uploads nothing when the build fails, showing what the build said (exit 1)', async () => {
    const { ci, calls } = recordingCi();

    const code = await run(['--env', env, '--appid', appid], { ci, buildFails: true });

    expect(code).toBe(1);
    expect(calls).toEqual([]);
    expect(err[0]).toContain('does not list "pluginManager.getPluginDevApplyList"');
    expect(err[1]).toBe('error: the build failed, so nothing was uploaded. Fix what it says above, then deploy again.');
  });

  describe("miniprogram-ci's failures", () => {
    it('an IP whitelist refusal names the IP and where to add it, and stops before the next function (exit 1)', async () => {
      const { ci, calls } = recordingCi({
        failWith: {
          getPluginApplyList: new Error('-10008 invalid ip: 203.0.113.7, reference: https://developers.weixin.qq.com/miniprogram/dev/devtools/ci.html'),
        },
      });

      const code = await run(['--env', env, '--appid', appid], { ci });

      expect(code).toBe(1);
      expect(calls.filter(([method]) => method === 'uploadFunction')).toHaveLength(1);
      expect(err[0]).toMatch(
        /^\[1\/2\] getPluginApplyList: ✗ WeChat refused the upload from this machine's IP 203\.0\.113\.7: add it to the upload key's IP whitelist/,
      );
      expect(out).toContain('[2/2] setPluginApplyStatus: not attempted (the same problem would fail it)');
      expect(out).toContain('summary: 0 uploaded, 1 failed, 1 not attempted');
    });

    it('an unknown environment says to check --env and that it belongs to the appid (exit 1)', async () => {
      const { ci } = recordingCi({ failWith: { getPluginApplyList: new Error('env not found') } });

      const code = await run(['--env', env, '--appid', appid], { ci });

      expect(code).toBe(1);
      expect(err[0]).toBe(
        `[1/2] getPluginApplyList: ✗ cloud environment "${env}" was not found for appid ${appid}: check --env / CLOUD_ENV against the cloud console, and that the environment belongs to this appid (--type plugin).`,
      );
    });

    it('a key WeChat does not accept says which key is needed, and its content is never printed, even when the error quotes it', async () => {
      const quoted = new Error(
        `generate local signature fail. Usually this happens the content or encoding of private key file is incorrect. Detail: ${keyBodyLines.join('\n')}`,
      );
      const { ci } = recordingCi({ failWith: { getPluginApplyList: quoted }, log: () => [`key ${keyBodyLines[1]}`] });

      const code = await run(['--env', env, '--appid', appid], { ci });

      expect(code).toBe(1);
      expect(err[0]).toContain(`WeChat did not accept the upload key: MINIPROGRAM_CI_PRIVATE_KEY_PATH must be the code-upload key of appid ${appid} itself`);
      expect(err.join('\n')).toContain('[key]');
    });

    it('a failure of one function that is not account-wide leaves the others uploaded (exit 1)', async () => {
      const busy = new Error("there's another ongoing update, please wait for it to complete and try again later");
      const { ci, calls } = recordingCi({ failWith: { getPluginApplyList: busy } });

      const code = await run(['--env', env, '--appid', appid], { ci });

      expect(code).toBe(1);
      expect(calls.filter(([method]) => method === 'uploadFunction')).toHaveLength(2);
      expect(err[0]).toContain('still being updated by an earlier upload');
      expect(out).toContain('summary: 1 uploaded, 1 failed, 0 not attempted');
    });

    it('an error that is not even an Error is still one line', async () => {
      const { ci } = recordingCi({ failWith: { getPluginApplyList: { errCode: -1, errMsg: 'system busy' }, setPluginApplyStatus: undefined } });

      await run(['--env', env, '--appid', appid], { ci });

      expect(err[0]).toBe(`[1/2] getPluginApplyList: ✗ {"errCode":-1,"errMsg":"system busy"} (run again with --verbose to see miniprogram-ci's log)`);
    });
  });

  describe("miniprogram-ci's own log", () => {
    const log = (name: string): string[] => [`will upload code under … as cloudfunction '${name}'`, 'will update cloudfunction', 'deployed'];

    it('is kept out of the output by default, so there is one line per function', async () => {
      const { ci } = recordingCi({ log });

      await run(['--env', env, '--appid', appid], { ci });

      expect([...out, ...err].join('\n')).not.toContain('will update cloudfunction');
    });

    it('is shown on stderr with --verbose', async () => {
      const { ci } = recordingCi({ log });

      await run(['--env', env, '--appid', appid, '--verbose'], { ci });

      expect(err).toContain('  [miniprogram-ci] \u001b[34m[info]\u001b[39m will update cloudfunction');
    });

    it('saying it created a function makes the deploy warn that it runs on Node.js 8.9 and fail (exit 1)', async () => {
      const { ci } = recordingCi({
        log: (name) => (name === 'setPluginApplyStatus' ? ['will create cloudfunction', 'create cloudfunction done'] : ['will update cloudfunction']),
      });

      const code = await run(['--env', env, '--appid', appid], { ci });

      expect(code).toBe(1);
      expect(err).toEqual([
        '[2/2] setPluginApplyStatus: ⚠ it did not exist, and miniprogram-ci created it asking for Node.js 8.9, where it cannot run. Delete it in the cloud console, create it again on Node.js 16.13 or newer (DevTools or the console), then deploy again.',
      ]);
    });
  });
});
