/**
 * The stand-ins of the lean bundles (scripts/standins.mjs): each listed module is really left out, the list holds
 * nothing stale, and a stand-in that is reached fails loudly with an error naming the module.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PENDING, startCloud } from '../contract/localCloudFixture';

const run = promisify(execFile);
const repo = join(__dirname, '../..');
const FUNCTIONS = ['setPluginApplyStatus', 'getPluginApplyList'];

interface StandIn {
  module: string;
  reason: string;
  builtAtLoad?: string[];
}

/** Runs an ES module snippet in the repository (the build scripts are ES modules) and parses what it prints. */
async function esm<T>(code: string, ...args: string[]): Promise<T> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code, ...args], { cwd: repo, maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as T;
}

const STANDINS_MJS = JSON.stringify(join(repo, 'scripts/standins.mjs'));
const BUILD_MJS = JSON.stringify(join(repo, 'scripts/build.mjs'));

/** Loads a stand-in's CommonJS source the way the bundle does, and what it prints. */
function loadStandIn(source: string): { exports: Record<string, unknown>; printed: string[] } {
  const module = { exports: {} as Record<string, unknown> };
  const printed: string[] = [];
  const console = { error: (line: string) => printed.push(line) };
  new Function('module', 'console', source)(module, console);
  return { exports: module.exports, printed };
}

describe('a stand-in module', () => {
  let source: string;

  beforeAll(async () => {
    source = await esm<string>(`
      const { standInSource } = await import(${STANDINS_MJS});
      console.log(JSON.stringify(standInSource('some-sdk-part', 'nothing calls it', ['makeClient'])));
    `);
  });

  it('costs nothing to load and answers the interop probe of CommonJS helpers', () => {
    const { exports, printed } = loadStandIn(source);

    expect(exports.__esModule).toBeUndefined();
    expect(printed).toEqual([]);
  });

  it.each<[string, (standIn: Record<string, unknown> & ((...args: unknown[]) => unknown)) => unknown]>([
    ['reading a property', (standIn) => standIn.sign],
    ['calling it', (standIn) => standIn()],
    ['constructing it', (standIn) => new (standIn as unknown as new () => unknown)()],
    ['setting a property', (standIn) => (standIn.x = 1)],
    ['checking for a property', (standIn) => 'sign' in standIn],
  ])('throws an error naming the module and why it was left out on %s, and prints it', (_, use) => {
    const { exports, printed } = loadStandIn(source);

    expect(() => use(exports as Record<string, unknown> & ((...args: unknown[]) => unknown))).toThrow(
      /^some-sdk-part is left out of this lean bundle, yet the code reached it \(.+\)\. Left out because: nothing calls it/,
    );
    expect(printed).toEqual([expect.stringMatching(/^\[stand-in\] some-sdk-part is left out/)]);
  });

  it('lets the SDK build what it only stores while initialising, and throws on the first use of it', () => {
    const { exports, printed } = loadStandIn(source);
    const makeClient = exports.makeClient as (...args: unknown[]) => Record<string, unknown>;

    const client = makeClient('anything');
    expect(printed).toEqual([]);
    expect(() => client.someModel).toThrow(/some-sdk-part is left out .*\(read makeClient\(\)\.someModel\)/);
  });
});

describe('the lean function bundles', () => {
  let dir: string;
  let standIns: StandIn[];
  let inputs: Record<string, Record<string, number>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'standins-'));
    ({ standIns, inputs } = await esm<{ standIns: StandIn[]; inputs: Record<string, Record<string, number>> }>(
      `
      const { STAND_INS } = await import(${STANDINS_MJS});
      const { bundleFunction } = await import(${BUILD_MJS});
      const [dir, ...names] = process.argv.slice(1);
      const inputs = {};
      for (const name of names) {
        const result = await bundleFunction(name, dir + '/' + name + '/index.js', { metafile: true });
        const output = Object.values(result.metafile.outputs)[0];
        inputs[name] = Object.fromEntries(Object.entries(output.inputs).map(([path, input]) => [path, input.bytesInOutput]));
      }
      console.log(JSON.stringify({ standIns: STAND_INS, inputs }));
    `,
      dir,
      ...FUNCTIONS,
    ));
  }, 120000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('give every stand-in a reason', () => {
    for (const entry of standIns) expect(entry.reason.length).toBeGreaterThan(40);
  });

  it('replace every listed module in at least one function, so the list holds nothing stale', () => {
    for (const entry of standIns) {
      const replaced = FUNCTIONS.some((name) => {
        const paths = Object.keys(inputs[name] ?? {});
        return paths.includes(`stand-in:${entry.module}`) || paths.some((path) => path.endsWith(`node_modules/${entry.module}`));
      });
      expect({ module: entry.module, replaced }).toEqual({ module: entry.module, replaced: true });
    }
  });

  it.each([
    '@cloudbase/ai',
    '@cloudbase/app',
    '@cloudbase/database',
    'bson',
    'jsonwebtoken',
    'xml2js',
    'mime-db',
    'web-streams-polyfill',
    '@cloudbase/wx-cloud-client-sdk/',
  ])('contain nothing of %s', (module) => {
    for (const name of FUNCTIONS) {
      const left = Object.keys(inputs[name] ?? {}).filter((path) => path.includes(`node_modules/${module}`));
      expect(left).toEqual([]);
    }
  });

  it('keep the SDK request path whole: signing, multipart, protobuf, big-number JSON', () => {
    for (const name of FUNCTIONS) {
      const paths = Object.keys(inputs[name] ?? {});
      for (const module of [
        '@cloudbase/signature-nodejs/',
        'form-data/',
        'protobufjs/',
        'json-bigint/',
        'wx-server-sdk/',
        '@cloudbase/node-sdk/dist/utils/request-core.js',
      ]) {
        expect(paths.some((path) => path.includes(`node_modules/${module}`))).toBe(true);
      }
    }
  });

  it('are each at most 500 KB', () => {
    for (const name of FUNCTIONS) expect(statSync(join(dir, name, 'index.js')).size).toBeLessThanOrEqual(500 * 1024);
  });

  it('have the database client built beside them, whole, for the functions that keep the trail', () => {
    for (const name of ['setPluginApplyStatus', 'getPluginApplyList']) {
      const beside = readFileSync(join(dir, name, 'database.js'), 'utf8');
      expect(beside).toContain('@cloudbase/database');
      expect(beside).not.toMatch(/require\("(bson|lodash[^"]*)"\)/);
    }
  });
});

describe('a stand-in the code reaches', () => {
  it('fails the call loudly: the result names the module, and so does the function log', async () => {
    // The request signer is on every call's path: left out on purpose here, it must never fail quietly.
    const dir = mkdtempSync(join(tmpdir(), 'standin-reached-'));
    const cloud = await (async () => {
      await esm(
        `
        const { STAND_INS } = await import(${STANDINS_MJS});
        const { bundleFunction } = await import(${BUILD_MJS});
        const [dir] = process.argv.slice(1);
        const standIns = [...STAND_INS, { module: '@cloudbase/signature-nodejs', reason: 'left out by the test to prove a reached stand-in fails loudly' }];
        await bundleFunction('setPluginApplyStatus', dir + '/setPluginApplyStatus/index.js', { standIns });
        console.log('null');
      `,
        dir,
      );
      cpSync(join(repo, 'cloudfunctions/setPluginApplyStatus/config.json'), join(dir, 'setPluginApplyStatus/config.json'));
      return startCloud({ functionsDir: dir });
    })();
    try {
      const result = (await cloud.invoke('setPluginApplyStatus', { action: 'dev_agree', appid: PENDING })) as { ok: boolean; error?: { raw?: string } };

      expect(result.ok).toBe(false);
      expect(result.error?.raw).toContain('@cloudbase/signature-nodejs is left out of this lean bundle');
      expect(cloud.output.join('\n')).toContain('[stand-in] @cloudbase/signature-nodejs is left out of this lean bundle');
      expect(cloud.calls()).toEqual([]);
    } finally {
      await cloud.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60000);
});

describe('a function folder uploaded without database.js', () => {
  it('still decides, loads no database at cold start, and says on the result that the record was not written and why', async () => {
    // Arrange: the built folder as it is, minus database.js.
    const dir = mkdtempSync(join(tmpdir(), 'no-database-js-'));
    cpSync(join(repo, 'cloudfunctions/setPluginApplyStatus'), join(dir, 'setPluginApplyStatus'), { recursive: true });
    rmSync(join(dir, 'setPluginApplyStatus/database.js'));
    const cloud = await startCloud({ functionsDir: dir });
    try {
      // Act
      const result = (await cloud.invoke('setPluginApplyStatus', { action: 'dev_agree', appid: PENDING })) as Record<string, unknown>;

      // Assert
      expect(result).toMatchObject({ ok: true, changed: true, trail: { written: false, errCode: null } });
      expect(String((result.trail as { reason: string }).reason)).toContain('database.js beside index.js, and that file is missing');
      expect(cloud.databaseCalls()).toEqual([]);
    } finally {
      await cloud.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
