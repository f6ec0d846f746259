import { INFOGRAPH_STATUSES, TERMINAL_STATUSES, isTerminal } from './infograph-status';

describe('infograph statuses', () => {
  it.each([
    ['pending', false],
    ['processing', false],
    ['completed', true],
    ['failed', true],
  ] as const)('%s is terminal: %s', (status, terminal) => {
    expect(isTerminal(status)).toBe(terminal);
  });

  it('names every status once, terminal ones among them', () => {
    expect(new Set(INFOGRAPH_STATUSES).size).toBe(INFOGRAPH_STATUSES.length);
    expect(INFOGRAPH_STATUSES.filter(isTerminal)).toEqual([...TERMINAL_STATUSES]);
  });
});
