/**
 * The build, run for real on a copy of the project: the deployable folders it writes, and its refusal to build
 * a function whose config.json does not grant an API the function calls (the cloud's -604101, caught early) or
 * declares a timer trigger WeChat would refuse.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = join(__dirname, '../..');

function copyOfProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'build-test-'));
  for (const part of ['src', 'scripts', 'package.json']) cpSync(join(repo, part), join(dir, part), { recursive: true });
  for (const fn of readdirSync(join(repo, 'cloudfunctions'))) {
    for (const file of ['config.json', 'package.json']) cpSync(join(repo, 'cloudfunctions', fn, file), join(dir, 'cloudfunctions', fn, file));
  }
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

describe('npm run build', () => {
  let dir: string;

  beforeEach(() => {
    dir = copyOfProject();
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a self-contained CommonJS index.js with exports.main into each function folder', async () => {
    await run(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: dir });

    for (const fn of ['setPluginApplyStatus', 'getPluginApplyList']) {
      const folder = join(dir, 'cloudfunctions', fn);
      // database.js: the database client, which index.js requires only when the trail is first written or read.
      expect(readdirSync(folder).sort()).toEqual(['config.json', 'database.js', 'index.js', 'package.json']);
      const code = readFileSync(join(folder, 'index.js'), 'utf8');
      expect(code).not.toMatch(/require\("(wx-server-sdk|zod|@cloudbase\/[^"]+)"\)/);
      expect(code).toContain('require("./database.js")');
      expect(readFileSync(join(folder, 'database.js'), 'utf8')).not.toMatch(/require\("(bson|lodash[^"]*|@cloudbase\/[^"]+)"\)/);
      const pkg = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { dependencies?: object };
      expect(pkg.dependencies ?? {}).toEqual({});
    }
  });

  it('builds cloudbase_auth without the SDK or any API permission, small enough to answer at once', async () => {
    await run(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: dir });

    const folder = join(dir, 'cloudfunctions', 'cloudbase_auth');
    expect(readdirSync(folder).sort()).toEqual(['config.json', 'index.js', 'package.json']);
    expect(JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8'))).toEqual({ permissions: { openapi: [] } });
    const code = readFileSync(join(folder, 'index.js'), 'utf8');
    expect(code).not.toMatch(/wx-server-sdk|@cloudbase|require\("zod/);
    expect(code.length).toBeLessThan(20_000);
  });

  it('builds lean bundles by default and whole-SDK bundles with --full', async () => {
    const marker = 'is left out of this lean bundle';

    await run(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: dir });
    const lean = readFileSync(join(dir, 'cloudfunctions/setPluginApplyStatus/index.js'), 'utf8');
    await run(process.execPath, ['scripts/build.mjs', '--quiet', '--full'], { cwd: dir });
    const whole = readFileSync(join(dir, 'cloudfunctions/setPluginApplyStatus/index.js'), 'utf8');

    expect(lean).toContain(marker);
    expect(lean.length).toBeLessThanOrEqual(500 * 1024);
    expect(whole).not.toContain(marker);
    expect(whole.length).toBeGreaterThan(1024 * 1024);
    expect(whole.split('\n')[0]).toContain('npm run build -- --full');
    // The whole SDK holds the database itself: no database.js is left beside it from the lean build.
    expect(readdirSync(join(dir, 'cloudfunctions/setPluginApplyStatus')).sort()).toEqual(['config.json', 'index.js', 'package.json']);
  });

  it('fails, naming the API and the file to fix, when config.json does not grant an API the function calls', async () => {
    writeFileSync(
      join(dir, 'cloudfunctions/setPluginApplyStatus/config.json'),
      JSON.stringify({ permissions: { openapi: ['pluginManager.setDevPluginApplyStatus'] } }),
    );

    const outcome = await run(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: dir }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );

    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain('cloudfunctions/setPluginApplyStatus/config.json does not list "pluginManager.getPluginDevApplyList"');
  });

  it.each([
    [{ name: 'everyFiveMinutes', type: 'timer', config: '*/5 * * * *' }, 'triggers[0].config: "*/5 * * * *" has 5 fields; a timer trigger\'s cron has 7'],
    [{ name: '5min', type: 'timer', config: '0 */5 * * * * *' }, 'triggers[0].name must be 1–60 letters, digits, - or _, starting with a letter (got "5min")'],
    [{ name: 'tick', type: 'timer', config: '0 75 * * * * *' }, 'triggers[0].config: minute field "75" of "0 75 * * * * *": 75 is out of range 0–59'],
  ])('fails, naming the file and what is wrong, when config.json declares the trigger %j', async (trigger, message) => {
    writeFileSync(
      join(dir, 'cloudfunctions/getPluginApplyList/config.json'),
      JSON.stringify({ permissions: { openapi: ['pluginManager.getPluginDevApplyList'] }, triggers: [trigger] }),
    );

    const outcome = await run(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: dir }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );

    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain(`error: getPluginApplyList: cloudfunctions/getPluginApplyList/config.json ${message}`);
    expect(outcome.stderr).toContain('npm run deploy will not upload it');
  });

  it('builds a function whose config.json declares a well-formed trigger', async () => {
    writeFileSync(
      join(dir, 'cloudfunctions/getPluginApplyList/config.json'),
      JSON.stringify({
        permissions: { openapi: ['pluginManager.getPluginDevApplyList'] },
        triggers: [{ name: 'everyTenMinutes', type: 'timer', config: '0 */10 * * * * *' }],
      }),
    );

    const outcome = await run(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: dir });

    expect(outcome.stderr).toBe('');
  });

  it('fails when a function has no config.json', async () => {
    rmSync(join(dir, 'cloudfunctions/getPluginApplyList/config.json'));

    const outcome = await run(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: dir }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );

    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain('cloudfunctions/getPluginApplyList/config.json is missing');
  });
});
