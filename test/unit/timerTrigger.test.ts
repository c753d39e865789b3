import { parseTriggers } from '../../src/core/timerTrigger';

describe('parseTriggers', () => {
  it('reads the one timer trigger of a config.json', () => {
    const read = parseTriggers('watch', [{ name: 'everyHalfHour', type: 'timer', config: '0 */30 * * * * *' }]);

    expect(read).toMatchObject({ ok: true, trigger: { functionName: 'watch', name: 'everyHalfHour', config: '0 */30 * * * * *' } });
  });

  it.each([undefined, []])('reads %j as no trigger', (triggers) => {
    expect(parseTriggers('watch', triggers)).toEqual({ ok: true, trigger: null });
  });

  it.each([
    [{ name: 't' }, /triggers must be an array/],
    [
      [
        { name: 'a', type: 'timer', config: '0 0 * * * * *' },
        { name: 'b', type: 'timer', config: '0 0 * * * * *' },
      ],
      /lists 2 triggers; a cloud function has at most one/,
    ],
    [['x'], /triggers\[0\] must be an object/],
    [[{ name: '1st', type: 'timer', config: '0 0 * * * * *' }], /name must be 1–60 letters.*starting with a letter \(got "1st"\)/],
    [[{ name: 'a'.repeat(61), type: 'timer', config: '0 0 * * * * *' }], /name must be 1–60/],
    [[{ name: 'has space', type: 'timer', config: '0 0 * * * * *' }], /name must be/],
    [[{ name: 't', type: 'http', config: '0 0 * * * * *' }], /type must be "timer".*got "http"/],
    [[{ name: 't', type: 'timer' }], /config must be a 7-field cron string/],
    [[{ name: 't', type: 'timer', config: '*/5 * * * *' }], /cloudfunctions\/watch\/config\.json triggers\[0\]\.config: .*has 5 fields/],
  ])('refuses %j, saying what is wrong', (triggers, message) => {
    const read = parseTriggers('watch', triggers);

    expect(read.ok).toBe(false);
    expect(read.ok ? '' : read.error).toMatch(message);
  });
});
