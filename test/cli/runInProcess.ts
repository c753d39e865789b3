/** Runs the `plugin-apply` CLI in this process (runCli with stand-in streams and signals), as main.ts would. */
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { runCli } from '../../src/cli/cli';
import type { CliDeps } from '../../src/cli/deps';
import { createHttpsClient } from '../../src/wechat/httpsTransport';
import { localAccount } from '../../localcloud/server';

/** What one in-process run printed and returned. */
export interface InProcessRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Codes passed to exitNow (a second stop signal). */
  exits: number[];
}

/** How a run is set up: extra environment, stdin text (or a stream), which streams are terminals, signals, the client. */
export interface RunSetup {
  env?: Record<string, string>;
  input?: string | Readable;
  stdinIsTTY?: boolean;
  stderrIsTTY?: boolean;
  /** The signal source, for a test that stops the run. */
  signals?: EventEmitter;
  createClient?: CliDeps['createClient'];
}

/** Runs the CLI with the local account's credentials (unless `env` overrides them). */
export async function runInProcess(args: readonly string[], setup: RunSetup = {}): Promise<InProcessRun> {
  let stdout = '';
  let stderr = '';
  const exits: number[] = [];
  const input = setup.input ?? '';
  const stdin = Object.assign(typeof input === 'string' ? Readable.from(input === '' ? [] : [Buffer.from(input)]) : input, {
    isTTY: setup.stdinIsTTY ?? false,
  });
  const code = await runCli(args, {
    env: { PLUGIN_APPID: localAccount.appid, PLUGIN_APPSECRET: localAccount.secret, ...setup.env },
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text), isTTY: setup.stderrIsTTY ?? false },
    stdin,
    createClient: setup.createClient ?? createHttpsClient,
    signals: setup.signals ?? new EventEmitter(),
    exitNow: (exitCode) => void exits.push(exitCode),
    now: Date.now,
  });
  return { code, stdout, stderr, exits };
}
