/**
 * The boundary to miniprogram-ci: the pinned version's API shape where it has been fetched, fetching it on first
 * use (with a stand-in npm: tests never reach a registry), and its errors translated into what to fix.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MiniprogramCi } from '../../src/deploy/miniprogramCi';
import { cacheFolder, explainUploadError, fetchMiniprogramCi, isCached, MINIPROGRAM_CI_VERSION, requireMiniprogramCi } from '../../src/deploy/miniprogramCi';

const repo = join(__dirname, '../..');
const target = { env: 'prod-4g1ab2c3d4e5f607', appid: 'wx0123456789abcdef', type: 'miniProgramPlugin' };

describe(`miniprogram-ci ${MINIPROGRAM_CI_VERSION} as fetched by npm run deploy`, () => {
  const fetched = isCached(repo);
  if (!fetched) {
    // Fetching it is 275 MB: the check runs where a deploy (or a dry one) has already fetched it.
    process.stdout.write(
      `skipped: miniprogram-ci ${MINIPROGRAM_CI_VERSION} is not in ${cacheFolder(repo)}; 'npm run deploy -- --fetch-only' fetches it, and then this API check runs.\n`,
    );
  }
  const whereFetched = fetched ? it : it.skip;
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'miniprogram-ci-shape-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => jest.restoreAllMocks());

  whereFetched(
    "has the Project class, cloud.uploadFunction and cloud.createTimeTrigger a deploy calls, takes our Project options, and checks uploadFunction's parameters before any network call",
    async () => {
      mkdirSync(join(dir, 'cloudfunctions/getPluginApplyList'), { recursive: true });
      writeFileSync(join(dir, 'cloudfunctions/getPluginApplyList/index.js'), 'exports.main = async () => 1;\n');
      const keyPath = join(dir, 'private.key');
      writeFileSync(keyPath, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }));
      // It logs through console.log (its banner on load, its errors): kept out of the test output.
      jest.spyOn(console, 'log').mockImplementation(() => undefined);
      const ci: MiniprogramCi = requireMiniprogramCi(repo);

      const project = new ci.Project({
        appid: target.appid,
        type: 'miniProgramPlugin',
        projectPath: join(dir, 'cloudfunctions'),
        privateKeyPath: keyPath,
        ignores: ['node_modules/**/*'],
      });
      const missingName = ci.cloud.uploadFunction({
        project,
        env: target.env,
        name: '',
        path: join(dir, 'cloudfunctions/getPluginApplyList'),
        remoteNpmInstall: false,
      });

      expect(typeof ci.Project).toBe('function');
      expect(typeof ci.cloud.uploadFunction).toBe('function');
      expect(typeof ci.cloud.createTimeTrigger).toBe('function');
      expect(project).toMatchObject({ appid: target.appid, type: 'miniProgramPlugin' });
      await expect(missingName).rejects.toThrow('function: "cloud.uploadFunction" lack of parameter: "name"');
    },
    60_000,
  );
});

describe('fetchMiniprogramCi', () => {
  let root: string;
  let fakeNpm: string;
  let npmRuns: string;
  const savedExecPath = process.env.npm_execpath;

  /** A stand-in npm that records its arguments and "installs" miniprogram-ci, or fails like npm does offline. */
  function standInNpm(fails: boolean): void {
    writeFileSync(
      fakeNpm,
      `const fs = require('fs'), path = require('path');
fs.appendFileSync(${JSON.stringify(npmRuns)}, JSON.stringify({ cwd: process.cwd(), args: process.argv.slice(2) }) + '\\n');
${
  fails
    ? `process.stderr.write('npm error code ENOTFOUND\\nnpm error network request to the registry failed\\n'); process.exit(1);`
    : `const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
const dir = path.join('node_modules', 'miniprogram-ci');
fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'miniprogram-ci', version: pkg.dependencies['miniprogram-ci'] }));`
}
`,
    );
  }

  const runs = (): Array<{ cwd: string; args: string[] }> =>
    existsSync(npmRuns)
      ? readFileSync(npmRuns, 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { cwd: string; args: string[] })
      : [];

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'fetch-ci-'));
    fakeNpm = join(root, 'npm-cli.js');
    npmRuns = join(root, 'npm-runs.jsonl');
    process.env.npm_execpath = fakeNpm;
  });

  afterEach(() => {
    process.env.npm_execpath = savedExecPath;
    rmSync(root, { recursive: true, force: true });
  });

  it('installs the pinned version once into .cache/, without install scripts, and reuses it after', async () => {
    standInNpm(false);
    const said: string[] = [];

    await fetchMiniprogramCi(root, (line) => said.push(line));
    await fetchMiniprogramCi(root, (line) => said.push(line));

    expect(isCached(root)).toBe(true);
    expect(cacheFolder(root)).toBe(join(root, '.cache', `miniprogram-ci-${MINIPROGRAM_CI_VERSION}`));
    expect(runs()).toHaveLength(1);
    expect(runs()[0]?.args).toEqual(['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error']);
    expect(JSON.parse(readFileSync(join(cacheFolder(root), 'package.json'), 'utf8'))).toMatchObject({
      dependencies: { 'miniprogram-ci': MINIPROGRAM_CI_VERSION },
    });
    expect(existsSync(`${cacheFolder(root)}.partial`)).toBe(false);
    expect(said[0]).toContain('fetching miniprogram-ci 2.1.42 once into .cache/ (about 275 MB');
  });

  it("fails with npm's own last lines and leaves no cache behind when npm cannot install", async () => {
    standInNpm(true);

    const fetching = fetchMiniprogramCi(root, () => undefined);

    await expect(fetching).rejects.toThrow(
      `could not fetch miniprogram-ci ${MINIPROGRAM_CI_VERSION} with npm (exit 1): npm error code ENOTFOUND npm error network request to the registry failed`,
    );
    expect(isCached(root)).toBe(false);
    expect(existsSync(`${cacheFolder(root)}.partial`)).toBe(false);
  });

  it('fetches again over a cache of another version', async () => {
    standInNpm(false);
    mkdirSync(join(cacheFolder(root), 'node_modules/miniprogram-ci'), { recursive: true });
    writeFileSync(join(cacheFolder(root), 'node_modules/miniprogram-ci/package.json'), '{"version":"2.1.31"}');

    await fetchMiniprogramCi(root, () => undefined);

    expect(runs()).toHaveLength(1);
    expect(isCached(root)).toBe(true);
  });
});

describe('explainUploadError', () => {
  it.each([
    [
      new Error('-10008 invalid ip: 203.0.113.7, reference: https://developers.weixin.qq.com/miniprogram/dev/devtools/ci.html'),
      "this machine's IP 203.0.113.7: add it to the upload key's IP whitelist",
      true,
    ],
    [new Error('env not found'), `cloud environment "${target.env}" was not found for appid ${target.appid}`, true],
    [
      new Error('generate local signature fail. Usually this happens the content or encoding of private key file is incorrect. Detail: x'),
      'WeChat did not accept the upload key',
      true,
    ],
    [new Error('-10010 invalid appid'), `WeChat refused appid ${target.appid}`, true],
    [new Error('getaddrinfo ENOTFOUND servicewechat.com'), 'could not reach WeChat from this machine', true],
    [new Error("there's another ongoing update, please wait for it to complete and try again later"), 'still being updated by an earlier upload', false],
    [new Error('create function failed: quota exceeded'), 'create function failed: quota exceeded (run again with --verbose', false],
    ['Base resp abnormal, {"ret":"-1"}', 'Base resp abnormal', false],
    [new Error(''), 'miniprogram-ci failed without a message', false],
  ])('explains %p', (error, expected, stopsAll) => {
    const explained = explainUploadError(error, target);

    expect(explained.line).toContain(expected);
    expect(explained.stopsAll).toBe(stopsAll);
  });
});
