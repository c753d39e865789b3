/**
 * How `plugin-apply` (the built dist/plugin-apply.js) ends when it is stopped from outside: a stop signal in the
 * middle of a batch, a stdout that cannot be written, a stdin that never closes.
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Application, LocalCloud } from '../../localcloud/server';
import { localAccount, startLocalCloud } from '../../localcloud/server';

const repo = join(__dirname, '../..');
const cli = join(repo, 'dist/plugin-apply.js');
const credentials = { PATH: process.env.PATH ?? '', PLUGIN_APPID: localAccount.appid, PLUGIN_APPSECRET: localAccount.secret };
const appids = Array.from({ length: 40 }, (_, i) => `wxa0000000000000${i.toString(16).padStart(2, '0')}`);

function pendingApplication(appid: string): Application {
  return { appid, status: 1, nickname: 'n', headimgurl: '', categories: [], create_time: '1700000000', apply_url: '', reason: 'r' };
}

interface Interrupted {
  interrupted: string;
  results: Array<{ appid: string; ok: boolean }>;
  inFlight: string[];
  notAttempted: string[];
  summary: { total: number; changed: number; inFlight: number; notAttempted: number };
}

describe('plugin-apply when stopped from outside', () => {
  let cloud: LocalCloud;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    if (!existsSync(cli)) await promisify(execFile)(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: repo });
    cloud = await startLocalCloud({ port: 0 });
    dir = mkdtempSync(join(tmpdir(), 'plugin-apply-stop-'));
    file = join(dir, 'appids.txt');
    writeFileSync(file, appids.join('\n'));
  });

  afterAll(async () => {
    await cloud.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts a slow batch of 40 agrees, sends `signal` once 3 are applied, and resolves the exit code and output. */
  async function interruptBatch(signal: 'SIGINT' | 'SIGTERM', json: boolean): Promise<{ code: number | null; stdout: string; stderr: string }> {
    cloud.reset(appids.map(pendingApplication));
    cloud.addFault({ kind: 'delay', ms: 700, times: 1000, action: 'dev_agree' });
    const child = spawn(process.execPath, [cli, 'agree', ...(json ? ['--json'] : []), '--file', file, '--base-url', cloud.url], {
      env: credentials,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const started = Date.now();
    while (cloud.applications().filter((item) => item.status === 2).length < 3 && Date.now() - started < 10_000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill(signal);
    return { code: await closed, stdout, stderr };
  }

  const approvedNow = (): string[] =>
    cloud
      .applications()
      .filter((item) => item.status === 2)
      .map((item) => item.appid);

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('reports every decision already applied when %s arrives mid-batch, and exits %i', async (signal, exitCode) => {
    // Act
    const { code, stdout } = await interruptBatch(signal, false);

    // Assert
    const applied = approvedNow();
    expect(applied.length).toBeGreaterThan(0);
    expect(code).toBe(exitCode);
    expect(applied.filter((appid) => !stdout.includes(appid))).toEqual([]);
    expect(stdout).toMatch(new RegExp(`agree stopped by ${signal}: 40 appids — \\d+ agreed, .* in flight \\(outcome unknown\\), \\d+ not attempted`));
    expect(stdout).toMatch(/not attempted: the run was stopped first/);
  });

  it('accounts for every appid in --json after SIGINT: applied, in flight or not attempted, and starts none after it', async () => {
    // Act
    const { code, stdout } = await interruptBatch('SIGINT', true);

    // Assert
    const report = JSON.parse(stdout) as Interrupted;
    expect(code).toBe(130);
    expect(report.interrupted).toBe('SIGINT');
    const reported = [...report.results.map((result) => result.appid), ...report.inFlight, ...report.notAttempted];
    expect(reported.sort()).toEqual([...appids].sort());
    expect(report.notAttempted.length).toBeGreaterThan(0);
    // Nothing reported as not attempted was applied, even after the process is gone.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(report.notAttempted.filter((appid) => approvedNow().includes(appid))).toEqual([]);
    expect(
      report.results
        .filter((result) => result.ok)
        .map((result) => result.appid)
        .sort(),
    ).toEqual(
      approvedNow()
        .filter((appid) => !report.inFlight.includes(appid))
        .sort(),
    );
  });

  it('lists the calls still unanswered after the grace as in flight (outcome unknown) and exits soon after SIGINT', async () => {
    // Arrange: every agree takes 8 s, far past the grace.
    cloud.reset(appids.map(pendingApplication));
    cloud.addFault({ kind: 'delay', ms: 8000, times: 1000, action: 'dev_agree' });
    const child = spawn(process.execPath, [cli, 'agree', '--json', '--file', file, '--base-url', cloud.url], {
      env: credentials,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const sent = (): number => cloud.calls().filter((call) => call.api === 'pluginManager.setDevPluginApplyStatus').length;
    const started = Date.now();
    while (sent() < 10 && Date.now() - started < 10_000) await new Promise((resolve) => setTimeout(resolve, 50));

    // Act
    const signalledAt = Date.now();
    child.kill('SIGINT');
    const code = await closed;

    // Assert
    const report = JSON.parse(stdout) as Interrupted;
    expect(code).toBe(130);
    expect(Date.now() - signalledAt).toBeLessThan(6000);
    expect(report.inFlight).toHaveLength(10);
    expect(report.summary).toMatchObject({ total: 40, changed: 0, inFlight: 10, notAttempted: 30 });
  });

  it('reports no decision as sent after SIGINT while the access token was still being fetched: none had left', async () => {
    // Arrange: the token endpoint never answers, so no decision can be sent.
    const few = appids.slice(0, 5);
    cloud.reset(few.map(pendingApplication));
    cloud.addFault({ kind: 'hang', api: 'cgi-bin/stable_token', times: 1000 });
    const child = spawn(process.execPath, [cli, 'agree', '--json', ...few, '--base-url', cloud.url], { env: credentials, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const started = Date.now();
    while (!cloud.calls().some((call) => call.api === 'cgi-bin/stable_token') && Date.now() - started < 10_000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    // Act
    child.kill('SIGINT');
    const code = await closed;

    // Assert
    const report = JSON.parse(stdout) as Interrupted;
    expect(code).toBe(130);
    expect(report.inFlight).toEqual([]);
    expect([...report.notAttempted].sort()).toEqual([...few].sort());
    expect(cloud.calls().filter((call) => call.api === 'pluginManager.setDevPluginApplyStatus')).toEqual([]);
  });

  (existsSync('/dev/full') ? it : it.skip)('exits 1 with a line on stderr when the answer cannot be written to stdout (list --json > /dev/full)', async () => {
    // Arrange
    cloud.reset();
    const fd = openSync('/dev/full', 'w');

    // Act
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [cli, 'list', '--json', '--base-url', cloud.url], { env: credentials, stdio: ['ignore', fd, 'pipe'] });
      let err = '';
      child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
      child.on('close', (c) => resolve({ code: c, stderr: err }));
    }).finally(() => closeSync(fd));

    // Assert
    expect(code).toBe(1);
    expect(stderr).toMatch(/could not write the answer to stdout: ENOSPC/);
  });

  it('ends within --timeout with a usage error when stdin stays open and brings no appids', async () => {
    // Arrange
    const started = Date.now();
    const child = spawn(process.execPath, [cli, 'agree', '--timeout', '2', '--base-url', 'http://127.0.0.1:9'], {
      env: credentials,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

    // Act
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), 6000);
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    child.kill('SIGKILL');
    child.stdin.destroy();

    // Assert
    expect(code).toBe(2);
    expect(Date.now() - started).toBeLessThan(4500);
    expect(stderr).toMatch(/stdin was still open when --timeout ran out/);
  });

  it('exits quietly, as other Unix tools do, when the reader closes the pipe early (| head -1)', async () => {
    cloud.reset(Array.from({ length: 1500 }, (_, i) => pendingApplication(`wxb${i.toString(16).padStart(15, '0')}`)));
    // A real shell pipe: head exits after its line, and the rest of the table meets a closed pipe (EPIPE).
    const script = `"${process.execPath}" "${cli}" list --base-url "${cloud.url}" 2>"${join(dir, 'stderr.txt')}" | head -1 >/dev/null; echo "\${PIPESTATUS[0]}"`;

    const { stdout } = await promisify(execFile)('bash', ['-c', script], { env: credentials });

    expect(stdout.trim()).toBe('0');
    expect(readFileSync(join(dir, 'stderr.txt'), 'utf8')).toBe('');
  });
});
