/**
 * What `plugin-apply` says to do about each error the table can give, on `list` and on a decision: pinned, so that
 * where the CLI's words come from can change without the words changing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { forCli } from '../../src/cli/failures';
import type { CliContext } from '../../src/cli/failures';
import { wechatError } from '../../src/core/errorTable';
import { tableErrors } from '../fixtures/tableErrors';

const pinned = JSON.parse(readFileSync(join(__dirname, 'cliHints.json'), 'utf8')) as Record<string, [string, string]>;
const base = { baseUrl: 'http://127.0.0.1:9', timeoutS: 7, lang: 'en' } as const;

function said(error: Parameters<typeof forCli>[0], command: CliContext['command'], action?: string): [string, string] {
  const { hint, hintEn } = forCli(error, { ...base, command }, action);
  return [hint, hintEn];
}

describe("the CLI's hints", () => {
  it.each(tableErrors().flatMap(([label, error]) => (['list', 'decide'] as const).map((command) => [`${label} on ${command}`, error, command] as const)))(
    'are unchanged for %s',
    (label, error, command) => {
      expect(said(error, command)).toEqual(pinned[label]);
    },
  );

  it.each(['approved', 'refused', 'expired'])('are unchanged for errCode 89240 on agree to an application currently %s', (currentStatus) => {
    const notPending = wechatError(89240, 'rid: 1');

    expect(said({ ...notPending, currentStatus }, 'decide', 'dev_agree')).toEqual(pinned[`errCode 89240 on agree, currently ${currentStatus}`]);
  });
});
