#!/usr/bin/env node
/**
 * `npm start`: builds, then serves the local cloud, in this one process. npm runs a script under a shell and
 * forwards SIGTERM/SIGINT to that shell, but a shell such as dash dies of the signal without passing it on: the
 * server used to stay up, orphaned, after `kill <pid of npm start>`. So this process also stops when it sees its
 * parent go away (it is then adopted by another, and `process.ppid` changes).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { clearInterval, setInterval } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { buildAll } from './build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const parent = process.ppid;
const orphanWatch = setInterval(() => {
  if (process.ppid === parent) return;
  clearInterval(orphanWatch);
  // The same way out as a signal from npm: the local cloud closes its server and function processes, then exits.
  process.kill(process.pid, 'SIGTERM');
}, 200);
orphanWatch.unref();

await buildAll({ quiet: true });
createRequire(import.meta.url)(join(root, 'dist/localcloud.js'));
