import { beforeDeadline, callStartedAt, DeadlineExceeded, deadlineFromContext, raceTimer, SAFETY_MARGIN_MS } from '../../src/core/deadline';

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
  it("counts from the container's start on its first call, which the platform may have counted", () => {
    expect(callStartedAt(10_300, 10_000, true, 3000)).toBe(10_000);
  });

  it("still counts from the container's start when starting took more than half the limit (a busy host)", () => {
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

describe('raceTimer', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('answers with the work when it settles first, and leaves no timer behind', async () => {
    const raced = raceTimer(Promise.resolve('done'), 1000, () => 'late');

    await expect(raced).resolves.toBe('done');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('answers with what late() returns once the time passes first, asking it only then', async () => {
    let asked = 0;
    const raced = raceTimer(new Promise<string>(() => undefined), 1000, () => `late after ${++asked} question`);

    await jest.advanceTimersByTimeAsync(999);
    expect(asked).toBe(0);
    await jest.advanceTimersByTimeAsync(1);

    await expect(raced).resolves.toBe('late after 1 question');
  });

  it('rejects with what late() throws', async () => {
    const raced = beforeDeadline(new Promise<never>(() => undefined), { at: Date.now() + 50, now: Date.now });
    const outcome = raced.catch((thrown: unknown) => thrown);

    await jest.advanceTimersByTimeAsync(50);

    expect(await outcome).toBeInstanceOf(DeadlineExceeded);
  });
});
