import { boundedMessage } from './http-exception.filter';

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
