/** The README is the user's contract: it must name every error code, environment variable and script there is. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OWN_ERRORS } from '../src/core/errorTable';
import { WECHAT_ERRORS } from '../src/core/wechatErrors';

const root = join(__dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const errorSection = readme.slice(readme.indexOf('## Error codes'), readme.indexOf('## Environment variables'));

describe('README', () => {
  it.each([...new Set([...WECHAT_ERRORS.values(), ...Object.values(OWN_ERRORS)].map((entry) => entry.code))])(
    'lists the error code %s in the error table',
    (code) => {
      expect(errorSection).toContain(`| \`${code}\` |`);
    },
  );

  it.each(Array.from(WECHAT_ERRORS.entries()))('lists errCode %i in the error table, under its code', (errCode, entry) => {
    const rows = errorSection.split('\n').map((line) => line.split('|').map((cell) => cell.trim()));
    const row = rows.find((cells) => cells[1] === `\`${entry.code}\`` && (cells[2] ?? '').split(', ').includes(String(errCode)));

    expect(row).toBeDefined();
  });

  it('documents every environment variable the sources read', () => {
    const sources = ['src', 'localcloud']
      // Recursive: src/ is folders by layer, and a variable read in src/core/config.ts must count.
      .flatMap((dir) => readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' }).map((file) => join(root, dir, file)))
      .filter((file) => /\.(ts|js)$/.test(file))
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    const read = new Set([...sources.matchAll(/(?:env|process\.env)\.([A-Z][A-Z0-9_]+)/g)].map((match) => match[1]));
    // Variables the platform injects (and the local cloud sets) are not the user's to configure.
    const platform = /^(TCB_|TENCENTCLOUD_|SCF_|WX_|PATH$|HOME$)/;
    const userFacing = [...read].filter((name): name is string => name !== undefined && !platform.test(name));

    expect(userFacing.length).toBeGreaterThan(3);
    for (const name of userFacing) expect(readme).toContain(`\`${name}\``);
  });

  it('calls the list item\'s reason the applicant\'s own statement, never a refusal reason the docs are silent on', () => {
    expect(readme).toContain('使用者的申请说明');
    expect(readme).not.toMatch(/refusal's reason is stored in the application's `reason`/);
  });

  it('says how the functions find whether WeChat counts pages from 0 or 1, and where they report it', () => {
    expect(readme).toMatch(/no real account has settled it/);
    expect(readme).toMatch(/each function container finds out on its first read of the list/);
    expect(readme).toMatch(/reports `pageBase` \(0 or 1\) in every list result/);
    expect(readme).not.toMatch(/would silently never be listed/);
  });

  it('does not send plugin developers to open this folder with the plugin\'s appid in DevTools', () => {
    expect(readme).not.toMatch(/open this folder in DevTools after replacing/);
    expect(readme).toMatch(/plugin project's `cloudfunctionRoot`/);
  });

  it('labels each modelling choice WeChat does not document as a guess', () => {
    const model = readme.slice(readme.indexOf('The local model of WeChat'), readme.indexOf('## Deploy from WeChat DevTools'));

    for (const choice of ['`dev_refuse` and `dev_delete` with an `appid`', '`dev_delete` without an `appid`', '`dev_refuse` without an `appid`']) {
      expect(model).toMatch(new RegExp(`\\*guess\\*: ${choice.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    }
  });

  it('makes the IP whitelist conditional on the account having turned it on', () => {
    expect(readme).toMatch(/If the\s+plugin account has turned its IP whitelist on/);
  });

  it('names only npm scripts that exist', () => {
    const scripts = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
    const named = [...readme.matchAll(/npm (?:run )?([a-z]+)/g)].map((match) => match[1]);

    for (const name of named) expect(['ci', 'install', ...scripts]).toContain(name);
  });
});
