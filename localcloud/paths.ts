import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The repository root: the nearest folder above this module holding package.json.
 * Works from the TypeScript source (localcloud/) and from the esbuild bundle (dist/).
 */
export function repoRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'localcloud'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`local cloud: no package.json with a localcloud/ folder above ${from}`);
    dir = parent;
  }
}

/** The plain-JS child that runs one function invocation. */
export function runnerPath(): string {
  return join(repoRoot(), 'localcloud', 'runner.js');
}

/** Where the built cloud functions live by default. */
export function defaultFunctionsDir(): string {
  return join(repoRoot(), 'cloudfunctions');
}

/** The page served at `/`, when it exists. */
export function pagePath(): string {
  return join(repoRoot(), 'localcloud', 'page.html');
}

/** Function folder names the host accepts (no path tricks). */
export function isFunctionName(name: string): boolean {
  return /^[A-Za-z0-9_-]{1,64}$/.test(name);
}
