#!/usr/bin/env node
/**
 * A longer fault soak than the one in `npm test`: `npm run soak -- --runs N --seed S [--steps M] [--transport cloud|https]
 * [--path P]`. Builds the functions, then runs test/soak/soak.test.ts with those figures and prints what it did.
 * Without --seed it picks one and prints it; a failure prints the seed, the replay path and the shortest failing steps.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const usage = 'usage: npm run soak -- [--runs N] [--seed S] [--steps M] [--transport cloud|https] [--path P]';

function parseArgs(argv) {
  const options = { runs: 20, steps: 60, seed: Math.floor(Math.random() * 2 ** 31), transport: undefined, path: undefined };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '-h' || flag === '--help') {
      console.log(usage);
      process.exit(0);
    }
    if (!['--runs', '--seed', '--steps', '--transport', '--path'].includes(flag)) fail(`unknown argument ${flag}`);
    if (value === undefined) fail(`${flag} needs a value`);
    i += 1;
    if (flag === '--transport') {
      if (value !== 'cloud' && value !== 'https') fail('--transport must be cloud or https');
      options.transport = value;
    } else if (flag === '--path') {
      options.path = value;
    } else {
      const number = Number(value);
      const min = flag === '--seed' ? 0 : 1;
      if (!Number.isInteger(number) || number < min) fail(`${flag} must be a whole number >= ${min}, got ${value}`);
      options[flag.slice(2)] = number;
    }
  }
  return options;
}

function fail(message) {
  console.error(`${message}\n${usage}`);
  process.exit(2);
}

const options = parseArgs(process.argv.slice(2));
const build = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--quiet'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

console.error(
  `soak: seed ${options.seed}, ${options.runs} runs of up to ${options.steps} steps${options.transport ? `, ${options.transport} only` : ', both transports'}`,
);
const jest = createRequire(import.meta.url).resolve('jest/bin/jest');
const args = [jest, '--runInBand', '--coverage=false', 'test/soak/soak.test.ts'];
if (options.transport) args.push('-t', `over the ${options.transport} transport`);
const run = spawnSync(process.execPath, args, {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    SOAK_RUNS: String(options.runs),
    SOAK_STEPS: String(options.steps),
    SOAK_SEED: String(options.seed),
    ...(options.path ? { SOAK_PATH: options.path } : {}),
    SOAK_REPORT: '1',
  },
});
if (run.status !== 0) console.error(`soak failed; replay it with: npm run soak -- --seed ${options.seed} --runs ${options.runs} --steps ${options.steps}`);
process.exit(run.status ?? 1);
