/**
 * `npm run deploy` as a user runs it (scripts/deploy.mjs, which bundles and runs src/deploy/main.ts), on a copy of
 * the project: the real build with its permission check, then the dry run's plan; and the stop without a key.
 * Neither reaches miniprogram-ci or the network.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const repo = join(__dirname, '../..');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('npm run deploy (scripts/deploy.mjs)', () => {
  let dir: string;

  const run = (args: string[], env: Record<string, string> = {}): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        ['scripts/deploy.mjs', ...args],
        { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 120_000 },
        (error, stdout, stderr) => {
          resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
        },
      );
    });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'deploy-command-'));
    for (const part of ['src', 'scripts', 'package.json']) cpSync(join(repo, part), join(dir, part), { recursive: true });
    for (const fn of readdirSync(join(repo, 'cloudfunctions'))) {
      for (const file of ['config.json', 'package.json']) cpSync(join(repo, 'cloudfunctions', fn, file), join(dir, 'cloudfunctions', fn, file));
    }
    symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--dry-run builds the bundles and lists each function folder with its built index.js, from CLOUD_ENV and PLUGIN_APPID (exit 0)', async () => {
    const result = await run(['--dry-run'], { CLOUD_ENV: 'prod-4g1ab2c3d4e5f607', PLUGIN_APPID: 'wx0123456789abcdef' });

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('target: env prod-4g1ab2c3d4e5f607 · appid wx0123456789abcdef · type plugin (miniProgramPlugin)');
    for (const fn of ['setPluginApplyStatus', 'getPluginApplyList']) {
      expect(result.stdout).toContain(`${fn}  (cloudfunctions/${fn}/)`);
      // The size printed is the built bundle's, in KB or MB as it comes out: it must match the file on disk.
      // database.js, the database client the bundle loads on first use, is uploaded with it.
      const printed = new RegExp(
        `${fn} {2}\\(cloudfunctions/${fn}/\\)\\n {2}config\\.json +\\d+ B\\n {2}database\\.js +[\\d.]+ KB\\n {2}index\\.js +([\\d.]+) (KB|MB)\\n`,
      ).exec(result.stdout);
      expect(printed).not.toBeNull();
      const [, amount = '', unit = ''] = printed ?? [];
      const bytes = statSync(join(dir, 'cloudfunctions', fn, 'index.js')).size;
      const unitBytes = unit === 'MB' ? 1024 * 1024 : 1024;
      expect(Math.abs(Number(amount) * unitBytes - bytes)).toBeLessThanOrEqual(unitBytes * (unit === 'MB' ? 0.005 : 0.05));
      // A bundle without the SDK inlined would be a few KB; one with its unused half would be well over 1 MB.
      expect(bytes).toBeGreaterThan(100 * 1024);
      expect(bytes).toBeLessThan(2 * 1024 * 1024);
    }
    // The watcher's timer, and every other trigger a config.json declares, is listed under its function as it will be uploaded.
    expect(result.stdout).toMatch(
      /watchPluginApplyList {2}\(cloudfunctions\/watchPluginApplyList\/\)\n(?: {2}.*\n)* {2}trigger: watchPluginApplyListTimer, timer "0 \*\/10 \* \* \* \* \*" \(UTC\+8\), uploaded after the function\n/,
    );
    for (const fn of readdirSync(join(repo, 'cloudfunctions'))) {
      const config = JSON.parse(readFileSync(join(repo, 'cloudfunctions', fn, 'config.json'), 'utf8')) as {
        triggers?: Array<{ name: string; config: string }>;
      };
      for (const trigger of config.triggers ?? []) {
        if (fn !== 'cloudbase_auth')
          expect(result.stdout).toContain(`  trigger: ${trigger.name}, timer "${trigger.config}" (UTC+8), uploaded after the function\n`);
      }
    }
    expect(result.stdout).not.toContain('cloudbase_auth  (cloudfunctions/cloudbase_auth/)');
    expect(result.stdout).toContain('left out: cloudbase_auth');
    expect(result.stdout).toContain('Add --with-cloudbase-auth to deploy it.');
    // It ends with what to do next: create the functions on Node.js 16.13+, set their variables, then the key.
    expect(result.stdout.trimEnd().split('\n').slice(-6)[0]).toBe('next, before the first deploy:');
    expect(result.stdout).toContain('on Node.js 16.13 or newer');
    expect(result.stdout).toContain('PLUGIN_ADMIN_OPENIDS');
  }, 120_000);

  it('--dry-run --with-cloudbase-auth lists cloudbase_auth too, a bundle of a few KB without the SDK (exit 0)', async () => {
    const result = await run(['--dry-run', '--with-cloudbase-auth'], { CLOUD_ENV: 'prod-4g1ab2c3d4e5f607', PLUGIN_APPID: 'wx0123456789abcdef' });

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/cloudbase_auth {2}\(cloudfunctions\/cloudbase_auth\/\)\n {2}config\.json +\d+ B\n {2}index\.js +\d+\.\d KB\n/);
    expect(result.stdout).toContain('  permissions: none (calls no openapi)');
    expect(result.stdout).not.toContain('left out');
  }, 120_000);

  it('--dry-run stops at the build when a config.json declares a malformed trigger, naming the file and what is wrong (exit 1)', async () => {
    const configFile = join(dir, 'cloudfunctions/getPluginApplyList/config.json');
    const original = readFileSync(configFile, 'utf8');
    writeFileSync(
      configFile,
      JSON.stringify({ ...(JSON.parse(original) as object), triggers: [{ name: 'everyTenMinutes', type: 'timer', config: '0 */10 * * *' }] }),
    );
    try {
      const result = await run(['--dry-run'], { CLOUD_ENV: 'prod-4g1ab2c3d4e5f607', PLUGIN_APPID: 'wx0123456789abcdef' });

      expect(result.code).toBe(1);
      expect(result.stdout).not.toContain('dry run:');
      expect(result.stderr).toContain('cloudfunctions/getPluginApplyList/config.json triggers[0].config: "0 */10 * * *" has 5 fields');
      expect(result.stderr).toContain('error: the build failed, so nothing was uploaded.');
    } finally {
      writeFileSync(configFile, original);
    }
  }, 120_000);

  it('stops with exit 2 and one line naming MINIPROGRAM_CI_PRIVATE_KEY_PATH when there is no key', async () => {
    const result = await run(['--env', 'prod-4g1ab2c3d4e5f607', '--appid', 'wx0123456789abcdef']);

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('no upload key: set MINIPROGRAM_CI_PRIVATE_KEY_PATH');
  }, 120_000);
});
