/**
 * `npm run deploy` as a user runs it (scripts/deploy.mjs, which bundles and runs src/deploy/main.ts), on a copy of
 * the project: the real build with its permission check, then the dry run's plan; and the stop without a key.
 * Neither reaches miniprogram-ci or the network.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
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
      execFile(process.execPath, ['scripts/deploy.mjs', ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
      });
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
    for (const fn of readdirSync(join(dir, 'cloudfunctions'))) {
      expect(result.stdout).toContain(`${fn}  (cloudfunctions/${fn}/)`);
    }
    expect(result.stdout).toMatch(/setPluginApplyStatus {2}\(cloudfunctions\/setPluginApplyStatus\/\)\n {2}config\.json +\d+ B\n {2}index\.js +1\.\d\d MB\n/);
  }, 120_000);

  it('stops with exit 2 and one line naming MINIPROGRAM_CI_PRIVATE_KEY_PATH when there is no key', async () => {
    const result = await run(['--env', 'prod-4g1ab2c3d4e5f607', '--appid', 'wx0123456789abcdef']);

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('no upload key: set MINIPROGRAM_CI_PRIVATE_KEY_PATH');
  }, 120_000);
});
