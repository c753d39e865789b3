/** The CLI's exit codes, as its help and docs/cli.md state them. */
import type { StopSignal } from './deps';

/** 0: every decision succeeded (unchanged counts); 1: something failed; 2: bad usage or configuration. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Exit codes after a stop signal: 128 + the signal's number, as shells report a process it ended. */
export const SIGNAL_EXIT: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };
