/**
 * Entry point of `npm run deploy` (run through scripts/deploy.mjs): wires the deploy to this machine — the real
 * build, miniprogram-ci from the cache, stdout and stderr.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { deploy } from './deploy';
import { fetchMiniprogramCi, requireMiniprogramCi } from './miniprogramCi';

/** The project root: this file is bundled to dist/deploy.js, one level below it. */
const root = join(__dirname, '..');

/** Runs scripts/build.mjs --quiet (build and permission check), collecting what it prints. */
function build(): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'scripts/build.mjs'), '--quiet'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => resolve({ ok: false, output: error.message }));
    child.on('close', (code) => resolve({ ok: code === 0, output }));
  });
}

void deploy(process.argv.slice(2), {
  root,
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  build,
  loadCi: async (say) => {
    await fetchMiniprogramCi(root, say);
    return requireMiniprogramCi(root);
  },
}).then((code) => {
  // miniprogram-ci 2.1.42 leaves a 15-minute timer running after each upload it waited for, which would keep the
  // process alive: exit explicitly, once what was written to stdout and stderr has been flushed.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
});
