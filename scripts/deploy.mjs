#!/usr/bin/env node
/**
 * `npm run deploy`: bundles the deploy command (src/deploy/main.ts) to dist/deploy.js and runs it with the same
 * arguments. The command itself builds the functions first; see src/deploy/deploy.ts.
 */
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist/deploy.js');

await build({
  entryPoints: [join(root, 'src/deploy/main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  packages: 'external',
  logLevel: 'warning',
});
const { status } = spawnSync(process.execPath, [outfile, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(status ?? 1);
