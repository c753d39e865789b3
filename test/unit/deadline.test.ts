import { callStartedAt, deadlineFromContext, SAFETY_MARGIN_MS } from '../../src/core/deadline';

describe('deadlineFromContext', () => {
  it.each([
    [{ time_limit_in_ms: 3000 }, 3000 - SAFETY_MARGIN_MS],
    [{ time_limit_in_ms: 20000 }, 20000 - SAFETY_MARGIN_MS],
    [{ time_limit_in_ms: 300 }, 150],
    [{}, 3000 - SAFETY_MARGIN_MS],
    [null, 3000 - SAFETY_MARGIN_MS],
    [{ time_limit_in_ms: 'soon' }, 3000 - SAFETY_MARGIN_MS],
    [{ time_limit_in_ms: -5 }, 3000 - SAFETY_MARGIN_MS],
  ])('answers before the platform limit of %j', (context, expected) => {
    expect(deadlineFromContext(context, 1000, () => 1000).at).toBe(1000 + expected);
  });
});

describe('callStartedAt', () => {
  it('counts the bundle load of a container\'s first call, which the platform may have counted', () => {
    expect(callStartedAt(10_300, 10_000, true, 3000)).toBe(10_000);
  });

  it('does not count a load long before the first call (a container loaded ahead of time)', () => {
    expect(callStartedAt(70_000, 10_000, true, 3000)).toBe(70_000);
  });

  it('counts from now on every later call', () => {
    expect(callStartedAt(10_300, 10_000, false, 3000)).toBe(10_300);
  });
});
