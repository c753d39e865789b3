/**
 * Entry point of `plugin-apply` (built to dist/plugin-apply.js): runs the CLI with this process's streams,
 * environment, clock and signals, then exits once what it wrote has been flushed.
 */
import { createHttpsClient } from '../wechat/httpsTransport';
import { runCli } from './cli';
import { EXIT } from './exitCodes';

/** The first failed write to stdout: Node reports it as an event, and without a listener it would pass unseen. */
let stdoutFailure: Error | null = null;
process.stdout.on('error', (error: Error) => {
  stdoutFailure ??= error;
});

/**
 * Sets the exit code and exits once stdout and stderr have taken everything written. Exiting rather than letting
 * the event loop drain is what makes --timeout bound the process: a request still waiting on a server that never
 * answers, or a keep-alive socket, would otherwise keep it alive after the answer was printed.
 */
function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  let open = 2;
  let finalCode = code;
  const flushed = (): void => {
    open -= 1;
    if (open === 0) process.exit(finalCode);
  };
  process.stdout.write('', (error) => {
    const failure = error ?? stdoutFailure;
    // An answer that could not be written (disk full) is no answer: a script must not go on with it. A reader that
    // closed the pipe early (`| head -1`) took what it wanted, as with any Unix tool: no message, the code as it was.
    if (failure !== null && failure !== undefined && (failure as NodeJS.ErrnoException).code !== 'EPIPE') {
      process.stderr.write(`plugin-apply: could not write the answer to stdout: ${(failure as NodeJS.ErrnoException).code ?? failure.message}\n`);
      if (finalCode === EXIT.ok) finalCode = EXIT.failed;
    }
    flushed();
  });
  process.stderr.write('', flushed);
}

void runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  createClient: createHttpsClient,
  signals: process,
  exitNow: (code) => process.exit(code),
  now: Date.now,
}).then(exitWhenFlushed);
