/** README and docs/ are the user's contract: every link, script, command, error code and variable they name exists. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { COMMAND_HELP, GENERAL_HELP } from '../src/cli/help';
import { OWN_ERRORS } from '../src/core/errorTable';
import { WECHAT_ERRORS } from '../src/core/wechatErrors';
import { ROBOT_FAILURE_CODES } from '../src/wechat/robot';
import { DatabaseAction } from '../localcloud/databaseFaults';
import { FaultKind } from '../localcloud/faults';
import { brokenLinks, headingSlugs } from './fixtures/docsLinks';

const root = join(__dirname, '..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');
const pagePaths = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
const pages = new Map(pagePaths.map((path) => [path, read(path)]));
const allText = [...pages.values()].join('\n');
const page = (path: string): string => {
  const text = pages.get(path);
  if (text === undefined) throw new Error(`${path} is missing`);
  return text;
};
/** One `## ` section of a page, from its heading to the next heading of the same level or the end. */
const section = (path: string, heading: string): string => {
  const text = page(path);
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`${path} has no section "## ${heading}"`);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
};

const errorsPage = page('docs/errors.md');
const tableRows = (text: string): string[][] =>
  text
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) => line.split('|').map((cell) => cell.trim()));
/** The codes the sources can return: WeChat's and the cloud's, our own, and the admin mini-program client's. */
const knownCodes = new Set([...WECHAT_ERRORS.values(), ...Object.values(OWN_ERRORS)].map((entry) => entry.code));
knownCodes.add('CALL_FAILED');
// The watcher's robot: a failed digest send's code, in its summary rather than as an error result.
for (const code of ROBOT_FAILURE_CODES) knownCodes.add(code);

/** Every file under `dir` whose name ends in one of `extensions`. */
function sourceFiles(dir: string, extensions: RegExp): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => extensions.test(file) && !file.includes('node_modules'))
    .map((file) => join(root, dir, file));
}
/** The environment variables the given sources read, by `env.X`, `process.env.X`, `env['X']` or a named constant. */
function variablesRead(files: string[]): Set<string> {
  const text = files.map((file) => readFileSync(file, 'utf8')).join('\n');
  const patterns = [
    /(?:env|process\.env)\.([A-Z][A-Z0-9_]+)/g,
    /env\[['"]([A-Z][A-Z0-9_]+)['"]\]/g,
    /wholeNumber\('([A-Z][A-Z0-9_]+)'/g,
    /_VARIABLE = '([A-Z][A-Z0-9_]+)'/g,
  ];
  return new Set(patterns.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => match[1] as string)));
}
// Variables the platform injects (and the local cloud sets), or the system's own, are not the user's to configure.
const platform = /^(TCB_|TENCENTCLOUD_|SCF_|WX_|PATH$|HOME$|PROGRAMFILES$|LOCALAPPDATA$|JEST_WORKER_ID$)/;
const variablesPage = page('docs/variables.md');
/** The first column of every table row in docs/variables.md: the variables it documents. */
const documentedVariables = tableRows(variablesPage).flatMap((cells) =>
  [...(cells[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((match) => match[1] as string),
);

describe('README', () => {
  it('stays a front door: at most 12 KB', () => {
    expect(Buffer.byteLength(page('README.md'))).toBeLessThanOrEqual(12 * 1024);
  });

  it('shows the local page and gives the plugin-apply line to paste against the local cloud', () => {
    const readme = page('README.md');

    expect(readme).toContain('](docs/page.png)');
    expect(readme).toContain(
      'PLUGIN_APPID=wx0123456789abcdef PLUGIN_APPSECRET=0123456789abcdef0123456789abcdef node dist/plugin-apply.js list --base-url http://127.0.0.1:3000',
    );
  });
});

describe('README and docs/', () => {
  it.each(pagePaths)('%s has no broken link or anchor', (path) => {
    expect(brokenLinks(root, path)).toEqual([]);
  });

  it('link every page of docs/ from the index', () => {
    const index = page('docs/README.md');
    for (const path of pagePaths.filter((name) => name.startsWith('docs/') && name !== 'docs/README.md')) {
      expect(index).toContain(`](${relative('docs', path)})`);
    }
  });

  it('name only npm scripts that exist', () => {
    const scripts = Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts);
    const named = [...allText.matchAll(/\bnpm (?:run )?([a-z][a-z-]*)/g)].map((match) => match[1]);

    expect(named.length).toBeGreaterThan(10);
    for (const name of named) expect(['ci', 'install', 'install-scripts', ...scripts]).toContain(name);
  });

  it('name only plugin-apply commands the CLI has', () => {
    const usage = [...GENERAL_HELP.matchAll(/^ {2}plugin-apply ([a-z]+)/gm)].map((match) => match[1]);
    const named = [...allText.matchAll(/plugin-apply(?:\.js)? ([a-z][a-z-]*)/g)].map((match) => match[1]);

    expect(usage.sort()).toEqual(Object.keys(COMMAND_HELP).sort());
    expect(named.length).toBeGreaterThan(5);
    for (const name of named) expect(usage).toContain(name);
  });

  it('name only flags the CLI has, on its page', () => {
    const help = [GENERAL_HELP, ...Object.values(COMMAND_HELP)].join('\n');
    // Long flags anywhere, short ones where the page shows them as flags (`-y`), not another tool's (`jq -r`).
    const text = page('docs/cli.md');
    const flags = [...text.matchAll(/(?<![\w-])(--[a-z][a-z-]*)/g), ...text.matchAll(/`(-[a-z])\b/g)].map((match) => match[1] as string);

    expect(flags.length).toBeGreaterThan(10);
    for (const flag of flags) expect(help).toMatch(new RegExp(`(?<![\\w-])${flag}(?![\\w-])`));
  });

  it('name only error codes the sources have, each in the error table', () => {
    // Backticked names that look like codes but are not ours: the cloud's own and platform context keys.
    const notOurs = new Set([
      'DATABASE_COLLECTION_NOT_EXIST',
      'DATABASE_REQUEST_FAILED',
      'DATABASE_PERMISSION_DENIED',
      'SYS_ERR',
      'FROM_APPID',
      'FROM_OPENID',
      'WX_FROM_APPID',
      'WX_FROM_OPENID',
      'WX_APPID',
      'WX_OPENID',
      'ISSUE_MESSAGES',
      'NODE16_BIN',
      'SKIP_NODE16',
      'CHROMIUM_PATH',
      'BENCH_RUNS',
    ]);
    const named = [...allText.matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`/g)].map((match) => match[1] as string);
    const documented = new Set(documentedVariables);

    for (const name of named.filter((code) => !notOurs.has(code) && !documented.has(code))) {
      expect(knownCodes).toContain(name);
    }
  });
});

describe('docs/errors.md', () => {
  it.each([...knownCodes])('lists the error code %s in the error table', (code) => {
    expect(errorsPage).toContain(`| \`${code}\` |`);
  });

  it.each(Array.from(WECHAT_ERRORS.entries()))('lists errCode %i in the error table, under its code', (errCode, entry) => {
    const row = tableRows(errorsPage).find((cells) => cells[1] === `\`${entry.code}\`` && (cells[2] ?? '').split(', ').includes(String(errCode)));

    expect(row).toBeDefined();
  });
});

describe('docs/variables.md', () => {
  it('documents every environment variable the sources read', () => {
    const read = [...variablesRead(['src', 'localcloud', 'scripts'].flatMap((dir) => sourceFiles(dir, /\.(ts|js|mjs)$/)))];
    const userFacing = read.filter((name) => !platform.test(name));

    expect(userFacing.length).toBeGreaterThan(10);
    for (const name of userFacing) expect(documentedVariables).toContain(name);
  });

  it('documents only variables something reads', () => {
    const read = variablesRead(['src', 'localcloud', 'scripts', 'test'].flatMap((dir) => sourceFiles(dir, /\.(ts|js|mjs)$/)));

    expect(documentedVariables.length).toBeGreaterThan(10);
    for (const name of documentedVariables) expect([...read]).toContain(name);
  });
});

describe('what the pages say', () => {
  it('names every fault kind and database action the local cloud accepts', () => {
    const faults = section('docs/local-cloud.md', 'Faults') + section('docs/local-cloud.md', 'The database');

    for (const name of [...Object.values(FaultKind), ...Object.values(DatabaseAction)]) expect(faults).toContain(`\`${name}\``);
  });

  it("calls the list item's reason the applicant's own statement, never a refusal reason the docs are silent on", () => {
    expect(page('docs/functions.md')).toContain('使用者的申请说明');
    expect(allText).not.toMatch(/refusal's reason is stored in the application's `reason`/);
  });

  it('says how the functions find whether WeChat counts pages from 0 or 1, and where they report it', () => {
    const functions = page('docs/functions.md');

    expect(functions).toMatch(/no real account has settled it/);
    expect(functions).toMatch(/each function container finds out on its first read of the list/);
    expect(functions).toMatch(/reports `pageBase` \(0 or 1\) in every list result/);
    expect(allText).not.toMatch(/would silently never be listed/);
  });

  it("does not send plugin developers to open this folder with the plugin's appid in DevTools", () => {
    expect(allText).not.toMatch(/open this folder in DevTools after replacing/);
    expect(page('docs/deploy.md')).toMatch(/plugin project's `cloudfunctionRoot`/);
  });

  it('labels each modelling choice WeChat does not document as a guess', () => {
    const model = section('docs/verified.md', 'Where the local model guesses');

    for (const choice of ['`dev_refuse` and `dev_delete` with an `appid`', '`dev_delete` without an `appid`', '`dev_refuse` without an `appid`']) {
      expect(model).toMatch(new RegExp(`\\*guess\\*: ${choice.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    }
  });

  it('makes the IP whitelist conditional on the account having turned it on', () => {
    expect(section('docs/deploy.md', 'The HTTPS way')).toMatch(/If the\s+plugin account has turned its IP whitelist on/);
  });
});

describe('brokenLinks', () => {
  it('reports a link to a missing page and an anchor no heading has', () => {
    const problems = brokenLinks(root, 'docs/README.md', '[gone](nowhere.md) [bad anchor](cli.md#no-such-heading) [fine](cli.md#exit-codes)');

    expect(problems).toEqual(['nowhere.md: no such file', 'cli.md#no-such-heading: no such heading in docs/cli.md']);
  });

  it('makes anchors as GitHub does', () => {
    const slugs = headingSlugs(
      "# The ops CLI: `plugin-apply`\n## Where the functions run, and who calls them\n## Why built with `npm run build`, not DevTools' plugin\n## Exit codes\n## Exit codes\n```\n# not a heading\n```",
    );

    expect(slugs).toEqual([
      'the-ops-cli-plugin-apply',
      'where-the-functions-run-and-who-calls-them',
      'why-built-with-npm-run-build-not-devtools-plugin',
      'exit-codes',
      'exit-codes-1',
    ]);
  });
});
