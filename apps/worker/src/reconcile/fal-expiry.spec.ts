import { expiredAtFalReason, hasExpiredAtFal } from './fal-expiry';

describe('fal expiry', () => {
  const hours = (n: number) => n * 60 * 60 * 1000;
  const createdAt = new Date('2026-01-01T00:00:00Z');
  const now = createdAt.getTime() + hours(4);

  it('counts from the submit when there was one, else from the create', () => {
    const submittedAt = new Date(createdAt.getTime() + hours(2));
    expect(hasExpiredAtFal({ createdAt, submittedAt: null }, hours(3), now)).toBe(true);
    expect(hasExpiredAtFal({ createdAt, submittedAt }, hours(3), now)).toBe(false);
    expect(hasExpiredAtFal({ createdAt, submittedAt }, hours(2) - 1, now)).toBe(true);
    // Exactly at the limit is not past it.
    expect(hasExpiredAtFal({ createdAt, submittedAt }, hours(2), now)).toBe(false);
  });

  it('tells the user how long we waited, in minutes', () => {
    expect(expiredAtFalReason(hours(3))).toBe(
      'No result from fal.ai within 180 minutes; the request was cancelled.',
    );
  });
});
