import { isLastAttempt } from './job-outcome';

// BullMQ counts attemptsMade before the current run: 0 during the first run.
const job = (attemptsMade: number, attempts?: number) => ({
  attemptsMade,
  opts: attempts === undefined ? {} : { attempts },
});

describe('isLastAttempt', () => {
  it.each([
    [0, 3, false],
    [1, 3, false],
    [2, 3, true],
    [0, 1, true],
  ])('attemptsMade %i of %i attempts: last = %s', (made, attempts, expected) => {
    expect(isLastAttempt(job(made, attempts))).toBe(expected);
  });

  it('treats a job without an attempts option as a single attempt', () => {
    expect(isLastAttempt(job(0))).toBe(true);
  });

  it('stays true past the limit (a stalled job that ran once more)', () => {
    expect(isLastAttempt(job(5, 3))).toBe(true);
  });
});
