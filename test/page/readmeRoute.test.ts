/**
 * README's local route, walked as written (set-up aside): the local cloud started as `npm start` starts it (the
 * built dist/localcloud.js, on a free port), every line of README's "Decide from the command line" block run as a
 * shell would (its `export`, then each `node dist/plugin-apply.js …` with the local cloud's address), and the decision
 * seen in the page, in Chromium. Only 127.0.0.1 is reached.
 */
import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import { findBrowser } from '../fixtures/findBrowser';

const repo = join(__dirname, '../..');
const browserPath = findBrowser().path;
const README_URL = 'http://127.0.0.1:3000';

/** The commands of README's "Decide from the command line" block, in order. */
function readmeCliBlock(): string[] {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((part) => part.startsWith('Decide from the command line'));
  const block = section?.match(/```sh\n([\s\S]*?)```/)?.[1];
  if (block === undefined) throw new Error('README has no sh block under "Decide from the command line"');
  return block
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** `export A=1 B=2` as variables. */
function exported(line: string): Record<string, string> {
  return Object.fromEntries(
    line
      .replace(/^export\s+/, '')
      .split(/\s+/)
      .map((pair) => pair.split('=') as [string, string]),
  );
}

function run(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: repo, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

let server: ChildProcess;
let url: string;
let browser: Browser;

beforeAll(async () => {
  server = spawn(process.execPath, ['dist/localcloud.js'], {
    cwd: repo,
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOCALCLOUD_LOG: 'quiet' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  url = await new Promise<string>((resolve, reject) => {
    let banner = '';
    const timer = setTimeout(() => reject(new Error(`the local cloud did not start: ${banner}`)), 20_000);
    server.stdout?.on('data', (chunk: Buffer) => {
      banner += chunk.toString();
      const found = banner.match(/local cloud on (http:\/\/127\.0\.0\.1:\d+)/);
      if (found?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    });
    server.once('exit', (code) => reject(new Error(`the local cloud exited (${code}): ${banner}`)));
  });
  browser = await chromium.launch({ executablePath: browserPath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
}, 40_000);

afterAll(async () => {
  await browser?.close();
  if (server !== undefined && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
});

describe("README's local route", () => {
  it('runs the CLI lines as written, and the page shows their decision in the row and the trail', async () => {
    const lines = readmeCliBlock();
    let env: Record<string, string> = {};
    const runs: Array<{ line: string; code: number; stderr: string }> = [];
    for (const line of lines) {
      if (line.startsWith('export ')) {
        env = { ...env, ...exported(line) };
        continue;
      }
      expect(line).toMatch(/^node dist\/plugin-apply\.js /);
      const args = line
        .replace(/^node /, '')
        .replaceAll(README_URL, url)
        .split(/\s+/);
      runs.push({ line, ...(await run(args, env)) });
    }
    const agreed = lines.find((line) => / agree (wx[0-9a-f]{16})/.test(line))?.match(/ agree (wx[0-9a-f]{16})/)?.[1] ?? '';
    const page = await browser.newPage();
    await page.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort('blockedbyclient')));
    await page.goto(url);
    await page.locator('main[aria-busy="false"]').waitFor({ timeout: 20_000 });
    const row = page.locator(`tbody tr[data-appid="${agreed}"]`);

    expect(runs.map(({ line, code, stderr }) => ({ line, code, stderr: stderr.includes('not recorded') ? stderr : '' }))).toEqual(
      lines.filter((line) => !line.startsWith('export ')).map((line) => ({ line, code: 0, stderr: '' })),
    );
    expect(agreed).not.toBe('');
    expect(await row.getAttribute('data-status')).toBe('approved');
    expect(await row.locator('td.decision .by').textContent()).toBe(`plugin-apply@${hostname()}`);
    expect(await page.locator('#trail li .what').first().textContent()).toContain(agreed);
    await page.close();
  }, 90_000);
});
