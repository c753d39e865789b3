/**
 * `npm start` as a newcomer runs it: the banner's examples work when pasted in order, the default log shows the
 * calls and failures without the protocol chatter, and stopping the npm process stops the server.
 * It runs in a copy of the repository (node_modules linked), because npm start rebuilds dist/ and the function
 * bundles, which other test files run at the same time.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const repo = join(__dirname, '../..');

/** Every process below `pid`, found now (the server's pid is needed if it outlives npm, to clean up). */
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

/** Whether something accepts connections on the port. */
function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
}

/** The JSON body and URL of the banner's example under `label:` (the line after it is a curl command). */
function example(banner: string, label: string): { body: string; url: string } {
  const lines = banner.split('\n');
  const command = lines[lines.indexOf(`${label}:`) + 1] ?? '';
  const match = /-d '([^']+)' (\S+)$/.exec(command);
  if (match === null) throw new Error(`no example under "${label}:" in the banner:\n${banner}`);
  return { body: match[1] ?? '', url: match[2] ?? '' };
}

describe('npm start', () => {
  let copy: string;
  let npm: ChildProcess;
  let stdout = '';
  let stderr = '';
  let started: number[] = [];

  beforeAll(async () => {
    copy = mkdtempSync(join(tmpdir(), 'localcloud-start-'));
    for (const entry of ['package.json', 'scripts', 'localcloud', 'src', 'cloudfunctions', 'tsconfig.json']) {
      cpSync(join(repo, entry), join(copy, entry), { recursive: true, filter: (path) => !path.endsWith('index.js') || !path.includes('cloudfunctions') });
    }
    symlinkSync(join(repo, 'node_modules'), join(copy, 'node_modules'), 'dir');
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' };
    delete env.LOCALCLOUD_LOG;
    delete env.LOCALCLOUD_QUIET;
    npm = spawn('npm', ['start'], { cwd: copy, env, stdio: ['ignore', 'pipe', 'pipe'] });
    npm.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    npm.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // The banner's last example is the one that clears faults.
    if (!(await until(() => /-X DELETE \S+\/_local\/faults\n/.test(stdout), 90_000))) throw new Error(`npm start printed no banner:\n${stdout}\n${stderr}`);
  }, 120_000);

  afterAll(() => {
    // Only if a test failed midway: end what this file started, by pid (a server left orphaned too).
    const pids = new Set([...started, ...descendants(npm.pid ?? 0), npm.pid ?? 0]);
    for (const pid of pids) if (pid > 0 && isAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(copy, { recursive: true, force: true });
  });

  const url = (): URL => new URL(/local cloud on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1] ?? 'http://127.0.0.1:1');
  const post = async (target: { body: string; url: string }): Promise<Record<string, unknown>> => {
    const res = await fetch(target.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: target.body });
    return (await res.json()) as Record<string, unknown>;
  };

  it('prints agree and refuse examples that succeed when pasted in order, on two different pending applications', async () => {
    const agree = example(stdout, 'agree');
    const refuse = example(stdout, 'refuse');

    const agreed = await post(agree);
    const refused = await post(refuse);

    expect(agreed.result).toMatchObject({ ok: true, action: 'dev_agree', changed: true });
    expect(refused.result).toMatchObject({ ok: true, action: 'dev_refuse', changed: true });
    expect((refused.result as { appid: string }).appid).not.toBe((agreed.result as { appid: string }).appid);
  });

  it('logs each function call and each failure, without the SDK protocol requests or routine OK records', async () => {
    const before = stderr.length;
    await post(example(stdout, 'as another caller'));
    await fetch(`${url().origin}/_local/applications`);
    await until(() => stderr.slice(before).includes('POST /functions/setPluginApplyStatus 200'), 5_000);

    const log = stderr.slice(before);

    expect(log).toMatch(/^POST \/functions\/setPluginApplyStatus 200 \d+ms$/m);
    expect(log).toMatch(/^\[setPluginApplyStatus\] .*"outcome":"FORBIDDEN"/m);
    expect(stderr).not.toMatch(/POST \/admin\//);
    expect(stderr).not.toMatch(/"outcome":"OK"/);
    expect(log).not.toMatch(/GET \/_local\/applications/);
    expect(stdout).toContain('LOCALCLOUD_LOG=verbose shows every request');
  });

  it('prints the plugin-apply line to paste against it, with the local credentials, which lists the applications', async () => {
    const lines = stdout.split('\n');
    const line = (lines[lines.findIndex((text) => text.startsWith('the ops CLI (plugin-apply)')) + 1] ?? '').trim();

    const listed = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn('bash', ['-c', line], { cwd: copy, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      child.on('close', (code) => resolve({ code, out }));
    });

    expect(line).toMatch(/^PLUGIN_APPID=wx\w+ PLUGIN_APPSECRET=\w+ node dist\/plugin-apply\.js list --base-url http:\/\/127\.0\.0\.1:\d+$/);
    expect(listed.code).toBe(0);
    expect(listed.out).toContain('8 applications');
  });

  it("times applications out after 24 h of the model clock, the demo's pending ones arriving fresh at start", async () => {
    const clock = (await (await fetch(`${url().origin}/_local/clock`)).json()) as Record<string, unknown>;
    const triggers = (await (await fetch(`${url().origin}/_local/triggers`)).json()) as Record<string, unknown>;

    const moved = await post({ url: `${url().origin}/_local/clock`, body: '{"advance":"12h"}' });

    expect(clock).toMatchObject({ offsetMs: 0, applyTimeoutMs: 24 * 3600_000 });
    // The watcher's own timer, from its config.json; moving the clock past its fire times runs it once.
    expect(triggers).toMatchObject({ triggers: [{ function: 'watchPluginApplyList', config: '0 */10 * * * * *' }] });
    // The third demo application, 17 h old at start and the only one still pending after the examples above.
    expect(moved).toMatchObject({
      offsetMs: 12 * 3600_000,
      timedOut: ['wxc51d7a9e3f2b8046'],
      triggered: [expect.objectContaining({ function: 'watchPluginApplyList' })],
    });
    expect(stdout).toContain('/_local/clock    (applications time out after 24 h)');
  });

  it('stops the server when the npm process is sent SIGTERM', async () => {
    const port = Number(url().port);
    started = descendants(npm.pid ?? 0);
    expect(await isListening(port)).toBe(true);

    npm.kill('SIGTERM');

    expect(await until(async () => !(await isListening(port)), 10_000)).toBe(true);
    expect(await until(() => started.every((pid) => !isAlive(pid)), 10_000)).toBe(true);
  });

  it('prints its options on --help instead of starting', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' };

    const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn('npm', ['start', '--', '--help'], { cwd: copy, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      child.on('close', (code) => resolve({ code, out }));
    });

    expect(result.code).toBe(0);
    expect(result.out).toContain('LOCALCLOUD_SEED');
    expect(result.out).toContain('LOCALCLOUD_TRIGGERS');
    expect(result.out).toContain('LOCALCLOUD_APPLY_TIMEOUT_HOURS');
    expect(result.out).toContain('PORT');
    expect(result.out).not.toContain('local cloud on');
  }, 120_000);
});
