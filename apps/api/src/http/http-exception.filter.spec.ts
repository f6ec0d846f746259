import { boundedMessage, isUnavailable } from './http-exception.filter';

describe('boundedMessage', () => {
  it('keeps short messages as they are', () => {
    expect(boundedMessage('prompt: too long')).toBe('prompt: too long');
    expect(boundedMessage(['a', 'b'])).toEqual(['a', 'b']);
  });

  it('keeps the first five messages, says how many more, and cuts each to 200 characters', () => {
    const bounded = boundedMessage([...Array(8).keys()].map((i) => `${i}${'x'.repeat(500)}`));
    expect(bounded).toHaveLength(6);
    expect(
      (bounded as string[]).slice(0, 5).every((m) => m.length === 200 && m.endsWith('…')),
    ).toBe(true);
    expect(bounded[5]).toBe('…and 3 more problems.');
  });
});

describe('isUnavailable', () => {
  it('takes a database connection cut mid-transaction for an outage (503), not a bug (500)', () => {
    for (const message of [
      'Client has encountered a connection error and is not queryable',
      'Connection terminated unexpectedly',
      'Query runner already released. Cannot run queries anymore.',
    ]) {
      expect(isUnavailable(new Error(message))).toBe(true);
    }
    expect(isUnavailable(Object.assign(new Error('x'), { code: '57P01' }))).toBe(true);
    expect(isUnavailable(new Error('Cannot read properties of undefined'))).toBe(false);
  });
});
