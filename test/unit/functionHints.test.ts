/**
 * The hints function results carry (`hint`, `hintEn`) are a contract with the mini-programs that show them: every
 * one the table can give is pinned here, byte for byte, so a change of how hints are written cannot change one.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableErrors } from '../fixtures/tableErrors';

const pinned = JSON.parse(readFileSync(join(__dirname, 'functionHints.json'), 'utf8')) as Record<string, [string, string]>;

describe('the hints of function results', () => {
  it.each(tableErrors())('are unchanged for %s', (label, error) => {
    expect([error.hint, error.hintEn]).toEqual(pinned[label]);
  });

  it('are pinned for every error the table gives, and only those', () => {
    expect(Object.keys(pinned).sort()).toEqual(
      tableErrors()
        .map(([label]) => label)
        .sort(),
    );
  });
});
