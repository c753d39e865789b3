import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTriggers } from '../../localcloud/triggerConfig';

describe('readTriggers', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'localcloud-triggers-'));
    const fn = (name: string, config: string | null): void => {
      mkdirSync(join(dir, name));
      if (config !== null) writeFileSync(join(dir, name, 'config.json'), config);
    };
    fn('withTrigger', JSON.stringify({ triggers: [{ name: 'tick', type: 'timer', config: '0 0 * * * * *' }] }));
    fn('badTrigger', JSON.stringify({ triggers: [{ name: 'tick', type: 'timer', config: 'often' }] }));
    fn('noTrigger', JSON.stringify({ permissions: { openapi: [] } }));
    fn('noConfig', null);
    fn('brokenConfig', '{');
    writeFileSync(join(dir, 'notAFolder.json'), '{}');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the functions that have a trigger or a wrong one, by name, and no others', () => {
    const found = readTriggers(dir);

    expect(found.map((item) => [item.functionName, item.read.ok])).toEqual([
      ['badTrigger', false],
      ['withTrigger', true],
    ]);
  });

  it('finds nothing in a folder that does not exist', () => {
    expect(readTriggers(join(dir, 'missing'))).toEqual([]);
  });
});
