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
  it('counts from the container\'s start on its first call, which the platform may have counted', () => {
    expect(callStartedAt(10_300, 10_000, true, 3000)).toBe(10_000);
  });

  it('still counts from the container\'s start when starting took more than half the limit (a busy host)', () => {
    expect(callStartedAt(11_000, 10_000, true, 1500)).toBe(10_000);
    expect(callStartedAt(12_900, 10_000, true, 3000)).toBe(10_000);
  });

  it('counts from now when the container started a whole limit ago or more: a platform counting from then would have stopped it', () => {
    expect(callStartedAt(13_000, 10_000, true, 3000)).toBe(13_000);
    expect(callStartedAt(70_000, 10_000, true, 3000)).toBe(70_000);
  });

  it('counts from now on every later call', () => {
    expect(callStartedAt(10_300, 10_000, false, 3000)).toBe(10_300);
  });
});
