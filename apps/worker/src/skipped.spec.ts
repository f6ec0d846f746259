import { skippedBecause } from './skipped';

describe('skippedBecause', () => {
  it('tells why a retried job of a failed infograph does nothing, and what to do instead', () => {
    expect(skippedBecause('failed', 'pending')).toBe(
      'skipped: the infograph is failed, not pending; it was refunded and stays failed, so this retry changed nothing. To run it again: npm run cli -- infograph:rerun --id <infograph id> [--free]',
    );
  });

  it('names the state a step found, and a missing infograph', () => {
    expect(skippedBecause('completed', 'processing')).toBe(
      'skipped: the infograph is completed, not processing',
    );
    expect(skippedBecause(undefined, 'pending')).toBe('skipped: the infograph no longer exists');
  });
});
