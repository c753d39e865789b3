'use strict';
// One cloud-function invocation in its own process, like an SCF container: the parent (functionHost.ts)
// forks this file with the platform's environment, sends {indexPath, event, context}, and gets back
// {ok: true, resultJson} or {ok: false, error}. Plain JS so it runs the same from ts-jest and from the bundle.

let answered = false;

function describe(error) {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack || '' };
  if (error && typeof error === 'object') {
    let text;
    try {
      text = JSON.stringify(error);
    } catch {
      text = String(error);
    }
    return { name: 'Error', message: text, stack: '' };
  }
  return { name: 'Error', message: String(error), stack: '' };
}

function answer(message) {
  if (answered) return;
  answered = true;
  // Exit once the parent has the answer: like a frozen container, leftover timers and sockets do not run on.
  process.send(message, () => process.exit(0));
}

process.on('uncaughtException', (error) => answer({ ok: false, error: describe(error) }));
process.on('unhandledRejection', (error) => answer({ ok: false, error: describe(error) }));

process.once('message', async (request) => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the function is CommonJS, as on the platform
    const handler = require(request.indexPath);
    if (!handler || typeof handler.main !== 'function') {
      throw new Error(`${request.indexPath} does not export main(event, context)`);
    }
    const result = await handler.main(request.event, request.context);
    // callFunction delivers the result as JSON; a result JSON cannot express is a failure there too.
    const resultJson = JSON.stringify(result === undefined ? null : result);
    answer({ ok: true, resultJson });
  } catch (error) {
    answer({ ok: false, error: describe(error) });
  }
});
