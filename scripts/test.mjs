#!/usr/bin/env node
/**
 * `npm test`: build, type-check, lint, check formatting, then jest, each step a child process run in turn; arguments after `--` go to
 * jest (`npm test -- --json --outputFile=x`). It was an `&&` chain under a shell, and npm passes a stop signal to that
 * shell only: a shell such as dash dies of it without passing it on, and jest (with its workers and the function
 * processes its tests start) ran on, orphaned. Here each step runs in its own process group, which a stop signal,
 * or the loss of npm or its shell (killed outright), ends as a whole; the exit code is the failed step's, or 128 +
 * the signal's number.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { clearInterval, setInterval, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** How long a step may take to stop after the signal before its process group is killed outright. */
const GRACE_MS = 5000;

const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/** A package's command, as `[script]` for Node to run: read from its package.json, so no shell or .bin shim is needed. */
function bin(pkg, name = pkg) {
  const manifest = JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8'));
  const path = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin[name];
  return join(root, 'node_modules', pkg, path);
}

const steps = [
  [join(root, 'scripts/build.mjs'), '--quiet'],
  [bin('typescript', 'tsc'), '-p', '.'],
  [bin('typescript', 'tsc'), '-p', 'miniprogram'],
  [bin('eslint'), '.'],
  [bin('prettier'), '--check', '--log-level', 'warn', '.'],
  [bin('jest'), '--coverage', ...process.argv.slice(2)],
];

let current = null;
let stopping = null;

/** Sends `signal` to the running step's whole process group (jest, its workers, the processes its tests started). */
function signalStep(signal) {
  if (current === null) return;
  try {
    process.kill(-current.pid, signal);
  } catch {
    // The group is gone already.
  }
}

function stop(signal) {
  if (stopping !== null) return;
  stopping = signal;
  signalStep(signal);
  setTimeout(() => signalStep('SIGKILL'), GRACE_MS).unref();
}

for (const signal of Object.keys(SIGNAL_NUMBERS)) process.on(signal, () => stop(signal));

/** The parent of process `pid`, read from /proc (Linux); null where it cannot be read, or the process is gone. */
function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

// npm's shell dead of a signal it did not pass on: this process is adopted by another. npm killed outright: the
// shell lives on, but it is adopted in turn.
const parent = process.ppid;
const grandparent = parentOf(parent);
const orphanWatch = setInterval(() => {
  if (process.ppid !== parent || (grandparent !== null && parentOf(parent) !== grandparent)) stop('SIGTERM');
}, 200);
orphanWatch.unref();

function run([script, ...args]) {
  return new Promise((resolve) => {
    current = spawn(process.execPath, [script, ...args], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
    current.on('error', (error) => {
      console.error(`npm test: could not run ${script}: ${error.message}`);
      resolve(1);
    });
    current.on('exit', (code, signal) => {
      // The step's leader is gone; anything it left in its group goes with it.
      signalStep('SIGKILL');
      current = null;
      resolve(code ?? 128 + (SIGNAL_NUMBERS[signal] ?? 9));
    });
  });
}

let status = 0;
for (const step of steps) {
  if (stopping !== null) break;
  status = await run(step);
  if (status !== 0) break;
}
clearInterval(orphanWatch);
process.exitCode = stopping === null ? status : 128 + SIGNAL_NUMBERS[stopping];
