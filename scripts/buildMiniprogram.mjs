#!/usr/bin/env node
/**
 * Builds the admin mini-program: miniprogram/app.ts and each page's .ts (as app.json lists them) → the .js beside
 * it, one self-contained file each. Bundled rather than compiled file by file (DevTools' TypeScript plugin) because
 * the pages import the functions' own event rules from src/core, which lies outside the mini-program's root.
 *
 * Run by scripts/build.mjs. On its own, `--config <file.ts> --out <dir>` builds a copy of the mini-program into
 * <dir> with <file.ts> in place of cloudConfig.ts — what a user gets after editing that file (the tests use it).
 */
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'miniprogram');

/** The TypeScript entry points: the app and every page app.json lists that has a .ts. */
function entryPoints() {
  const app = JSON.parse(readFileSync(join(source, 'app.json'), 'utf8'));
  return ['app', ...app.pages].map((page) => `${page}.ts`).filter((file) => existsSync(join(source, file)));
}

/** Copies what DevTools loads as it is (json, wxml, wxss, images) into `out`, mirroring the tree. */
function copyStatic(from, out) {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const path = join(from, entry.name);
    if (entry.isDirectory()) copyStatic(path, out);
    else if (!/\.(ts|js)$/.test(entry.name) && entry.name !== 'tsconfig.json') {
      const target = join(out, relative(source, path));
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(path, target);
    }
  }
}

/** Replaces cloudConfig.ts with another file, for a build of an edited copy. */
function configOverride(configFile) {
  const original = join(source, 'cloudConfig.ts');
  return {
    name: 'cloud-config',
    setup(pluginBuild) {
      pluginBuild.onLoad({ filter: /cloudConfig\.ts$/ }, (args) =>
        resolve(args.path) === original ? { contents: readFileSync(configFile, 'utf8'), loader: 'ts' } : undefined,
      );
    },
  };
}

/** Builds the mini-program's .js files, in place or (with `out`) into a copy; nothing when there is no miniprogram/. */
export async function buildMiniprogram({ quiet = false, out = source, configFile } = {}) {
  // A copy of the project without the mini-program (the build's own tests make one) has nothing to build here.
  if (!existsSync(join(source, 'app.json'))) return;
  const entries = entryPoints();
  if (out !== source) copyStatic(source, out);
  await build({
    entryPoints: entries.map((file) => join(source, file)),
    outdir: out,
    outbase: source,
    bundle: true,
    // The mini-program runtime loads each file as a CommonJS module; base library 2.x runs ES2017.
    format: 'cjs',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    target: 'es2017',
    charset: 'utf8',
    logLevel: 'warning',
    plugins: configFile === undefined ? [] : [configOverride(resolve(configFile))],
    banner: { js: '/* Built from TypeScript by npm run build (scripts/buildMiniprogram.mjs). Do not edit: edit the .ts beside it. */' },
  });
  if (!quiet) console.log(`built ${entries.map((file) => relative(root, join(out, file.replace(/\.ts$/, '.js')))).join(', ')}`);
}

function flag(name) {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = flag('--out');
  await buildMiniprogram({ quiet: process.argv.includes('--quiet'), out: out === undefined ? source : resolve(out), configFile: flag('--config') });
}
