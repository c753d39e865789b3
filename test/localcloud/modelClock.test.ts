import { advanceOf, createModelClock, MAX_ADVANCE_MS } from '../../localcloud/modelClock';

describe('advanceOf', () => {
  it.each([
    [{ advance: '30s' }, 30_000],
    [{ advance: '90m' }, 90 * 60_000],
    [{ advance: '12h' }, 12 * 3600_000],
    [{ advance: '2d' }, 2 * 86_400_000],
    [{ advance: '1h30m' }, 90 * 60_000],
    [{ advance: ' 5m ' }, 300_000],
    [{ advanceMs: 1 }, 1],
  ])('reads %j as %i ms', (body, ms) => {
    expect(advanceOf(body)).toBe(ms);
  });

  it.each([
    [undefined, /body must be \{"advance": "12h"\}/],
    [[], /body must be/],
    [{}, /body must be/],
    [{ advance: '12h', advanceMs: 5 }, /body must be/],
    [{ by: '12h' }, /body must be/],
    [{ advance: '12' }, /advance must be like "30s", "90m", "12h", "2d" or "1h30m" \(got "12"\)/],
    [{ advance: '1.5h' }, /advance must be like/],
    [{ advance: '-1h' }, /advance must be like/],
    [{ advance: 12 }, /advance must be like .*\(got 12\)/],
    [{ advanceMs: 1.5 }, /advanceMs must be a whole number/],
    [{ advanceMs: '5' }, /advanceMs must be a whole number/],
    [{ advanceMs: 0 }, /only moves forward/],
    [{ advanceMs: -60_000 }, /only moves forward.*POST \/_local\/reset/],
    [{ advance: '0s' }, /only moves forward/],
    [{ advanceMs: MAX_ADVANCE_MS + 1 }, /at most 366 days/],
  ])('refuses %j, saying what it takes', (body, message) => {
    expect(() => advanceOf(body)).toThrow(message);
  });
});

describe('createModelClock', () => {
  it('runs on its base, ahead by what was advanced, and back on rewind, telling listeners each time', () => {
    let base = 1_000_000;
    const clock = createModelClock(() => base);
    const heard: number[] = [];
    clock.onChange(() => heard.push(clock.now()));

    clock.advance(5000);
    base += 10;
    const ahead = clock.now();
    clock.rewind();

    expect(ahead).toBe(1_005_010);
    expect(clock.now()).toBe(1_000_010);
    expect(clock.offsetMs()).toBe(0);
    expect(heard).toEqual([1_005_000, 1_000_010]);
  });

  it('defaults to the machine clock', () => {
    const clock = createModelClock();

    expect(Math.abs(clock.now() - Date.now())).toBeLessThan(1000);
  });
});
