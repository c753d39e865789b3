/**
 * The mini-program's build: what DevTools opens is the built .js beside each page's .wxml, .wxss and .json,
 * each file self-contained (the mini-program runtime resolves no npm packages and nothing outside its root).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = join(__dirname, '../..');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe('the mini-program build', () => {
  let out: string;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'miniprogram-build-'));
    await run(process.execPath, ['scripts/buildMiniprogram.mjs', '--quiet', '--out', out], { cwd: repo });
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('writes the app and each page as DevTools loads them, without TypeScript sources', () => {
    expect(filesUnder(out)).toEqual([
      'app.js',
      'app.json',
      'pages/applications/applications.js',
      'pages/applications/applications.json',
      'pages/applications/applications.wxml',
      'pages/applications/applications.wxss',
      'sitemap.json',
    ]);
  });

  it("inlines everything a page uses, the functions' event rules included", () => {
    const page = readFileSync(join(out, 'pages/applications/applications.js'), 'utf8');

    expect(page).not.toMatch(/\brequire\(/);
    expect(page).toContain('reason 不能为空');
    expect(page).toContain('Component(');
  });

  it('builds the one value of cloudConfig.ts into the page', () => {
    const page = readFileSync(join(out, 'pages/applications/applications.js'), 'utf8');

    expect(page).toMatch(/kind: "current"/);
    expect(page).not.toMatch(/new \w+\.Cloud\(\{ resourceAppid: "wx/);
  });
});
