import { creditsUpdatedEvent, readCreditsUpdatedEvent } from './credits-updated-event';

describe('credits.updated events', () => {
  const userId = '7d0f6c2e-3b1a-4e5f-9c8d-1a2b3c4d5e6f';

  it('reads back what it publishes', () => {
    const event = creditsUpdatedEvent(userId, 13);
    expect(readCreditsUpdatedEvent(JSON.parse(JSON.stringify(event)))).toEqual({
      type: 'credits.updated',
      userId,
      balance: 13,
    });
  });

  it('drops fields it does not know, so they never reach clients', () => {
    expect(readCreditsUpdatedEvent({ ...creditsUpdatedEvent(userId, 0), email: 'a@b.c' })).toEqual(
      creditsUpdatedEvent(userId, 0),
    );
  });

  it.each([
    ['another type', { type: 'infograph.updated', userId, balance: 1 }],
    ['no user', { type: 'credits.updated', userId: '', balance: 1 }],
    ['a string balance', { type: 'credits.updated', userId, balance: '1' }],
    ['a fractional balance', { type: 'credits.updated', userId, balance: 1.5 }],
    ['a negative balance', { type: 'credits.updated', userId, balance: -1 }],
    ['no balance', { type: 'credits.updated', userId }],
    ['an array', [creditsUpdatedEvent(userId, 1)]],
    ['null', null],
  ])('refuses %s', (_label, value) => {
    expect(readCreditsUpdatedEvent(value)).toBeNull();
  });
});
