/**
 * `npm test` as CI and a developer run it: arguments after `--` reach jest, the exit code says whether it passed,
 * and stopping npm (kill, or Ctrl-C) leaves no jest behind, nor anything a test started. It runs the real
 * package.json script in a small project of its own (node_modules linked) whose steps finish in seconds: a stand-in
 * build, a one-file type-check and lint, and jest with a test that passes, fails, or runs until it is stopped.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const repo = join(__dirname, '../..');

/** Every process below `pid`, found now. */
function descendants(pid: number): number[] {
  let children: number[];
  try {
    children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((child) => child > 0);
  } catch {
    return []; // ps exits 1 when there are none
  }
  return children.flatMap((child) => [child, ...descendants(child)]);
}

/** Whether `pid` is a running process (an exited one left unreaped, a zombie, is not). */
function isAlive(pid: number): boolean {
  try {
    return !execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' })
      .trim()
      .startsWith('Z');
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
}

const TEST_FILE = `
const { spawn } = require('node:child_process');
const { writeFileSync } = require('node:fs');

it('passes unless told to fail', () => {
  expect(process.env.NPM_TEST_FAIL).toBeUndefined();
});

(process.env.NPM_TEST_MARK ? it : it.skip)('runs, with a child process of its own, until it is stopped', async () => {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  writeFileSync(process.env.NPM_TEST_MARK, JSON.stringify([process.pid, child.pid]));
  await new Promise((resolve) => setTimeout(resolve, 600000));
}, 700000);
`;

let project: string;
const started = new Set<number>();

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'npm-test-'));
  cpSync(join(repo, 'package.json'), join(project, 'package.json'));
  mkdirSync(join(project, 'scripts'));
  if (existsSync(join(repo, 'scripts/test.mjs'))) cpSync(join(repo, 'scripts/test.mjs'), join(project, 'scripts/test.mjs'));
  writeFileSync(join(project, 'scripts/build.mjs'), '// Stands in for the build: this project has nothing to build.\n');
  symlinkSync(join(repo, 'node_modules'), join(project, 'node_modules'), 'dir');
  const tsconfig = JSON.stringify({ compilerOptions: { strict: true, noEmit: true, types: [] }, files: ['ok.ts'] });
  writeFileSync(join(project, 'tsconfig.json'), tsconfig);
  writeFileSync(join(project, 'ok.ts'), 'export const ok = 1;\n');
  mkdirSync(join(project, 'miniprogram'));
  writeFileSync(join(project, 'miniprogram/tsconfig.json'), tsconfig);
  writeFileSync(join(project, 'miniprogram/ok.ts'), 'export const ok = 1;\n');
  writeFileSync(join(project, 'eslint.config.mjs'), "export default [{ ignores: ['node_modules/', 'coverage/'] }];\n");
  writeFileSync(
    join(project, 'jest.config.js'),
    "module.exports = { testEnvironment: 'node', roots: ['<rootDir>/test'], coverageReporters: ['text-summary'] };\n",
  );
  mkdirSync(join(project, 'test'));
  writeFileSync(join(project, 'test/project.test.js'), TEST_FILE);
  // npm test checks formatting too: the repository's rules for the copied script, the generated files left out.
  cpSync(join(repo, '.prettierrc.json'), join(project, '.prettierrc.json'));
  writeFileSync(join(project, '.prettierignore'), 'node_modules/\ncoverage/\n*.json\njest.config.js\neslint.config.mjs\ntest/\n');
});

afterAll(() => {
  // Only if a test failed midway: end what this file started, by pid.
  for (const pid of started) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(project, { recursive: true, force: true });
});

/** Starts `npm test` in the project, as its own process group (the group a terminal's Ctrl-C signals). */
function npmTest(args: string[], env: Record<string, string> = {}): { npm: ChildProcess; exit: Promise<number | null>; output: () => string } {
  let output = '';
  const npm = spawn('npm', ['test', ...args], { cwd: project, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (npm.pid !== undefined) started.add(npm.pid);
  npm.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  npm.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exit = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
  return { npm, exit, output: () => output };
}

describe('npm test', () => {
  it('passes the arguments after -- to jest, as CI does with --json --outputFile', async () => {
    const outputFile = join(project, 'results.json');

    const { exit, output } = npmTest(['--', '--json', `--outputFile=${outputFile}`]);

    expect(await exit).toBe(0);
    expect(JSON.parse(readFileSync(outputFile, 'utf8'))).toMatchObject({ numPassedTests: 1, numFailedTests: 0, numPendingTests: 1 });
    expect(output()).toMatch(/Statements/); // --coverage is still on
  }, 120_000);

  it('exits 1 when a test fails', async () => {
    const { exit } = npmTest([], { NPM_TEST_FAIL: '1' });

    expect(await exit).toBe(1);
  }, 120_000);

  it.each([
    ['npm is sent SIGTERM (kill <pid of npm>)', (npm: ChildProcess) => process.kill(npm.pid ?? 0, 'SIGTERM')],
    ["the terminal sends SIGINT to npm's process group (Ctrl-C)", (npm: ChildProcess) => process.kill(-(npm.pid ?? 0), 'SIGINT')],
    ['npm is killed outright (SIGKILL)', (npm: ChildProcess) => process.kill(npm.pid ?? 0, 'SIGKILL')],
  ])(
    'leaves no jest process, nor one a test started, when %s',
    async (_, stop) => {
      const mark = join(project, `running-${Date.now()}.json`);
      const { npm, exit, output } = npmTest([], { NPM_TEST_MARK: mark });
      if (!(await until(() => existsSync(mark) && readFileSync(mark, 'utf8') !== '', 90_000))) throw new Error(`the test never started:\n${output()}`);
      const running = [...new Set([...descendants(npm.pid ?? 0), ...(JSON.parse(readFileSync(mark, 'utf8')) as number[])])];
      running.forEach((pid) => started.add(pid));

      stop(npm);
      await exit;

      expect(await until(() => running.every((pid) => !isAlive(pid)), 15_000)).toBe(true);
    },
    150_000,
  );
});
