/** Watching SIGINT and SIGTERM while a batch runs, so that a stopped batch can still say what it did. */
import type { SignalSource, StopSignal, TextSink } from './deps';
import { SIGNAL_EXIT } from './exitCodes';

/** How long, after a stop signal, the calls already sent may take to answer before the report is printed anyway. */
export const INTERRUPT_GRACE_MS = 3000;

/** A watch over stop signals: `stopped` resolves on the first, `received` says which, `dispose` stops watching. */
export interface StopWatch {
  stopped: Promise<StopSignal>;
  received(): StopSignal | null;
  dispose(): void;
}

/**
 * Watches SIGINT and SIGTERM while a batch runs: the first resolves `stopped` (and is what `received` returns);
 * a second exits at once with the signal's code, for an operator who will not wait.
 */
export function watchStopSignals(signals: SignalSource, stderr: TextSink, exitNow: (code: number) => void): StopWatch {
  let received: StopSignal | null = null;
  let resolveStopped: (signal: StopSignal) => void = () => undefined;
  const stopped = new Promise<StopSignal>((resolve) => (resolveStopped = resolve));
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
    const handler = (): void => {
      if (received !== null) {
        stderr.write(`\nplugin-apply: ${signal} again: exiting now; the report is lost\n`);
        exitNow(SIGNAL_EXIT[signal]);
        return;
      }
      received = signal;
      stderr.write(
        `\nplugin-apply: ${signal}: starting no new item; waiting up to ${INTERRUPT_GRACE_MS / 1000} s for the ones sent (${signal} again to exit now)\n`,
      );
      resolveStopped(signal);
    };
    signals.on(signal, handler);
    return { signal, handler };
  });
  return {
    stopped,
    received: () => received,
    dispose: () => handlers.forEach(({ signal, handler }) => signals.off(signal, handler)),
  };
}
