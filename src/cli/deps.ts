/**
 * What the CLI needs from the process it runs in, passed in so that it runs in-process under test: the streams,
 * the environment, the clock, stop signals and how the WeChat client is made.
 */
import type { PluginApplyClient } from '../core/wechatClient';
import type { HttpsClientOptions } from '../wechat/httpsTransport';
import type { Stdin } from './input';

/** A stream the CLI writes text to. */
export interface TextSink {
  write(text: string): unknown;
  /** True for a terminal: the progress bar is drawn only there. */
  isTTY?: boolean;
}

/** The two signals that stop a batch. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** Where stop signals come from (the process). */
export interface SignalSource {
  on(signal: StopSignal, handler: () => void): unknown;
  off(signal: StopSignal, handler: () => void): unknown;
}

/** Everything the CLI takes from the world. */
export interface CliDeps {
  env: Readonly<Record<string, string | undefined>>;
  stdout: TextSink;
  stderr: TextSink;
  stdin: Stdin;
  /** The WeChat client over HTTPS (createHttpsClient); tests may pass one of their own. */
  createClient(options: HttpsClientOptions): PluginApplyClient;
  signals: SignalSource;
  /** Ends the process at once with `code` (a second stop signal). */
  exitNow(code: number): void;
  now(): number;
}
